import 'reflect-metadata';
import { AuthStrategy, createHttpApp, I18nextTranslator, Logger, Translator } from '@iris/adapters-http';
import {
  createDataSource,
  FilesystemDataStore,
  isSqlite,
  TypeOrmImageRepository,
  TypeOrmMemberRepository,
  TypeOrmQuotaUsage,
  UnavailableListener,
  withUnavailableErrors,
  WriteLock,
} from '@iris/adapters-store';
import {
  Clock,
  DataStores,
  DEFAULT_FORMATS,
  IdGenerator,
  ImageDataService,
  ImageDataStore,
  ImageRepository,
  ImageService,
  MemberRepository,
  MemberService,
  MemberShareRepository,
  Policy,
  QuotaGuard,
  systemClock,
  TokenValidator,
  V1ImageService,
  V1MemberService,
} from '@iris/domain';
import { Container } from 'inversify';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { keystoneValidator, selectAuth } from './auth';
import { IrisConfig } from './config';
import { bindImportServices, IMPORT_TOKENS } from './import-wiring';
import { buildStoreRegistry } from './store-wiring';
import { quotaSettings } from './quota-wiring';
import { loadPolicy } from './policy-file';

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
  V1ImageService: Symbol('V1ImageService'),
  V1MemberService: Symbol('V1MemberService'),
  HttpApp: Symbol('HttpApp'),
  QuotaGuard: Symbol('QuotaGuard'),
} as const;

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
  container.bind<Policy>(TOKENS.Policy).toConstantValue(loadPolicy(config.policyFile));
  container.bind<Translator>(TOKENS.Translator).toConstantValue(new I18nextTranslator());
  container.bind<TokenValidator>(TokenValidator).toDynamicValue(() => keystoneValidator(config, logger));
  container
    .bind<AuthStrategy>(TOKENS.AuthStrategy)
    .toDynamicValue((ctx) => selectAuth(config, ctx.get(TOKENS.Policy), () => ctx.get(TokenValidator)));

  const onUnavailable = unavailableLogger(logger);
  container
    .bind<ImageRepository>(ImageRepository)
    .toDynamicValue((ctx) =>
      withUnavailableErrors(
        new TypeOrmImageRepository(ctx.get(TOKENS.DataSource), ctx.get(TOKENS.WriteLock)),
        onUnavailable,
      ),
    );
  container
    .bind<MemberRepository>(MemberRepository)
    .toDynamicValue((ctx) =>
      withUnavailableErrors(
        new TypeOrmMemberRepository(ctx.get(TOKENS.DataSource), ctx.get(TOKENS.WriteLock)),
        onUnavailable,
      ),
    );
  // The same repository keeps the v1 can_share flag of each membership.
  container
    .bind<MemberShareRepository>(MemberShareRepository)
    .toDynamicValue((ctx) => ctx.get<TypeOrmMemberRepository>(MemberRepository));
  const stores = buildStoreRegistry(config, imagesDirectory(config));
  container
    .bind(TOKENS.QuotaGuard)
    .toDynamicValue((ctx) => new QuotaGuard(quotaSettings(config), new TypeOrmQuotaUsage(ctx.get(TOKENS.DataSource))));
  container.bind<ImageDataStore>(ImageDataStore).toConstantValue(stores);
  container.bind<DataStores>(DataStores).toConstantValue(stores);

  bindServices(container, config);
  bindImportServices(container, config, logger, TOKENS, onUnavailable);
  if (config.enableV1) bindV1Services(container, config);
  container.bind(TOKENS.HttpApp).toDynamicValue((ctx) =>
    createHttpApp({
      images: ctx.get(TOKENS.ImageService),
      imageData: ctx.get(TOKENS.ImageDataService),
      members: ctx.get(TOKENS.MemberService),
      imports: ctx.get(IMPORT_TOKENS.ImportService),
      tasks: ctx.get(IMPORT_TOKENS.TaskService),
      stores: ctx.get(IMPORT_TOKENS.StoreService),
      quotas: ctx.get(TOKENS.QuotaGuard),
      importMethods: config.importMethods,
      auth: ctx.get(TOKENS.AuthStrategy),
      translator: ctx.get(TOKENS.Translator),
      logger,
      formats: DEFAULT_FORMATS,
      v1: config.enableV1
        ? { images: ctx.get(TOKENS.V1ImageService), members: ctx.get(TOKENS.V1MemberService) }
        : undefined,
    }),
  );
  return container;
}

/** Folder of the filesystem store's image files. */
export function imagesDirectory(config: IrisConfig): string {
  return path.join(config.dataDir, 'images');
}

/** Interval in which at most one database outage error is logged, in milliseconds. */
const UNAVAILABLE_LOG_INTERVAL_MS = 5000;

/**
 * Logs failed database calls, at most one line per interval with the number
 * of failures since the previous line, so that an outage does not flood the log.
 */
function unavailableLogger(logger: Logger): UnavailableListener {
  let lastLoggedAt = 0;
  let failures = 0;
  return ({ method, code, error }) => {
    failures += 1;
    const now = Date.now();
    if (now - lastLoggedAt < UNAVAILABLE_LOG_INTERVAL_MS) return;
    logger.error({ err: error, code, method, failures }, 'database unavailable');
    lastLoggedAt = now;
    failures = 0;
  };
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
        quotas: ctx.get(TOKENS.QuotaGuard),
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
        stores: ctx.get(DataStores),
        quotas: ctx.get(TOKENS.QuotaGuard),
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

/** Binds the Images API v1 services to the same repositories, store and policy as v2. */
function bindV1Services(container: Container, config: IrisConfig): void {
  container.bind(TOKENS.V1ImageService).toDynamicValue(
    (ctx) =>
      new V1ImageService({
        images: ctx.get(ImageRepository),
        members: ctx.get(MemberRepository),
        data: ctx.get(ImageDataStore),
        policy: ctx.get(TOKENS.Policy),
        clock: ctx.get(Clock),
        ids: ctx.get(IdGenerator),
        settings: {
          formats: DEFAULT_FORMATS,
          paging: { defaultLimit: config.defaultLimit, maxLimit: config.maxLimit },
          propertyQuota: config.propertyQuota,
          imageSizeCap: config.imageSizeCap,
          // glance_store's filesystem store accepts both scheme names.
          storeNames: ['file', 'filesystem'],
        },
      }),
  );
  container.bind(TOKENS.V1MemberService).toDynamicValue(
    (ctx) =>
      new V1MemberService({
        images: ctx.get(ImageRepository),
        members: ctx.get(MemberRepository),
        shares: ctx.get(MemberShareRepository),
        policy: ctx.get(TOKENS.Policy),
        clock: ctx.get(Clock),
        settings: { memberQuota: config.memberQuota },
      }),
  );
}
