export * from './config';
export * from './container';
export * from './logger';
export * from './server';
