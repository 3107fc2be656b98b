import 'reflect-metadata';
import {
  AuthStrategy,
  createHttpApp,
  I18nextTranslator,
  Logger,
  noauthStrategy,
  Translator,
} from '@iris/adapters-http';
import {
  createDataSource,
  FilesystemDataStore,
  isSqlite,
  TypeOrmImageRepository,
  TypeOrmMemberRepository,
  WriteLock,
} from '@iris/adapters-store';
import {
  Clock,
  DEFAULT_FORMATS,
  IdGenerator,
  ImageDataService,
  ImageDataStore,
  ImageRepository,
  ImageService,
  MemberRepository,
  MemberService,
  Policy,
  systemClock,
} from '@iris/domain';
import { Container } from 'inversify';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { IrisConfig } from './config';

export const TOKENS = {
  Config: Symbol('IrisConfig'),
  Logger: Symbol('Logger'),
  DataSource: Symbol('DataSource'),
  WriteLock: Symbol('WriteLock'),
  Policy: Symbol('Policy'),
  Translator: Symbol('Translator'),
  AuthStrategy: Symbol('AuthStrategy'),
  ImageService: Symbol('ImageService'),
  ImageDataService: Symbol('ImageDataService'),
  MemberService: Symbol('MemberService'),
  HttpApp: Symbol('HttpApp'),
} as const;

function selectAuth(config: IrisConfig): AuthStrategy {
  if (config.auth === 'keystone') {
    throw new Error('IRIS_AUTH=keystone is not available yet; use noauth');
  }
  return noauthStrategy;
}

/** Wires every port to its adapter and every service to its ports. */
export function buildContainer(config: IrisConfig, logger: Logger): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Logger).toConstantValue(logger);
  container.bind(TOKENS.DataSource).toConstantValue(createDataSource(config.databaseUrl));
  container
    .bind(TOKENS.WriteLock)
    .toDynamicValue((ctx) => new WriteLock(isSqlite(ctx.get<DataSource>(TOKENS.DataSource))));
  container.bind<Clock>(Clock).toConstantValue(systemClock);
  container.bind<IdGenerator>(IdGenerator).toConstantValue({ newId: () => randomUUID() });
  container.bind(TOKENS.Policy).toConstantValue(new Policy());
  container.bind<Translator>(TOKENS.Translator).toConstantValue(new I18nextTranslator());
  container.bind<AuthStrategy>(TOKENS.AuthStrategy).toConstantValue(selectAuth(config));

  container
    .bind<ImageRepository>(ImageRepository)
    .toDynamicValue((ctx) => new TypeOrmImageRepository(ctx.get(TOKENS.DataSource), ctx.get(TOKENS.WriteLock)));
  container
    .bind<MemberRepository>(MemberRepository)
    .toDynamicValue((ctx) => new TypeOrmMemberRepository(ctx.get(TOKENS.DataSource), ctx.get(TOKENS.WriteLock)));
  container.bind<ImageDataStore>(ImageDataStore).toConstantValue(
    new FilesystemDataStore({
      storeId: 'file',
      directory: path.join(config.dataDir, 'images'),
      hashAlgo: config.hashAlgo,
    }),
  );

  bindServices(container, config);
  container.bind(TOKENS.HttpApp).toDynamicValue((ctx) =>
    createHttpApp({
      images: ctx.get(TOKENS.ImageService),
      imageData: ctx.get(TOKENS.ImageDataService),
      members: ctx.get(TOKENS.MemberService),
      auth: ctx.get(TOKENS.AuthStrategy),
      translator: ctx.get(TOKENS.Translator),
      logger,
      formats: DEFAULT_FORMATS,
    }),
  );
  return container;
}

function bindServices(container: Container, config: IrisConfig): void {
  container.bind(TOKENS.ImageService).toDynamicValue(
    (ctx) =>
      new ImageService({
        images: ctx.get(ImageRepository),
        members: ctx.get(MemberRepository),
        data: ctx.get(ImageDataStore),
        policy: ctx.get(TOKENS.Policy),
        clock: ctx.get(Clock),
        ids: ctx.get(IdGenerator),
        settings: {
          formats: DEFAULT_FORMATS,
          propertyQuota: config.propertyQuota,
          tagQuota: config.tagQuota,
          paging: { defaultLimit: config.defaultLimit, maxLimit: config.maxLimit },
        },
      }),
  );
  container.bind(TOKENS.ImageDataService).toDynamicValue(
    (ctx) =>
      new ImageDataService({
        images: ctx.get(ImageRepository),
        members: ctx.get(MemberRepository),
        data: ctx.get(ImageDataStore),
        policy: ctx.get(TOKENS.Policy),
        clock: ctx.get(Clock),
        settings: { imageSizeCap: config.imageSizeCap },
      }),
  );
  container.bind(TOKENS.MemberService).toDynamicValue(
    (ctx) =>
      new MemberService({
        images: ctx.get(ImageRepository),
        members: ctx.get(MemberRepository),
        policy: ctx.get(TOKENS.Policy),
        clock: ctx.get(Clock),
        settings: { memberQuota: config.memberQuota },
      }),
  );
}
