export * from './data-source';
export * from './entities';
export * from './migrations';
export * from './repositories/typeorm-image-repository';
export * from './repositories/typeorm-member-repository';
export * from './repositories/write-lock';
export * from './data/filesystem-data-store';
