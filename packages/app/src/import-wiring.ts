import { en, HttpWebDownloader, Logger } from '@iris/adapters-http';
import {
  FilesystemStagingArea,
  FilesystemStoreRegistry,
  GzipDecompressionPlugin,
  PropertyInjectionPlugin,
  QemuImgConversionPlugin,
  TypeOrmTaskRepository,
  UnavailableListener,
  withUnavailableErrors,
} from '@iris/adapters-store';
import {
  Clock,
  DataStores,
  DomainError,
  IdGenerator,
  ImageDataStore,
  ImageRepository,
  ImportPlugin,
  ImportService,
  MemberRepository,
  StagingArea,
  StoreService,
  TaskRepository,
  TaskService,
  WebDownloader,
} from '@iris/domain';
import { Container } from 'inversify';
import path from 'node:path';
import { IrisConfig } from './config';

export const IMPORT_TOKENS = {
  ImportService: Symbol('ImportService'),
  StoreService: Symbol('StoreService'),
  TaskService: Symbol('TaskService'),
} as const;

const HOUR_MS = 60 * 60 * 1000;

/** Folder of data staged for glance-direct imports. */
export function stagingDirectory(config: IrisConfig): string {
  return path.join(config.dataDir, 'staging');
}

/** Turns an import failure into the English text kept as the task's message. */
export function describeImportError(error: unknown): string {
  if (error instanceof DomainError) {
    const template = en[error.key] ?? error.key;
    return template.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => String(error.params[name] ?? ''));
  }
  return error instanceof Error ? error.message : String(error);
}

function parseInjectedProperties(items: string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const item of items) {
    const separator = item.indexOf('=');
    if (separator <= 0) {
      throw new Error(`Invalid IRIS_IMPORT_INJECT_PROPERTIES item '${item}': expected key=value`);
    }
    properties[item.slice(0, separator)] = item.slice(separator + 1);
  }
  return properties;
}

/** Builds the configured import plugins in Glance's order: decompress, convert, inject. */
export function buildImportPlugins(config: IrisConfig, stores: FilesystemStoreRegistry): ImportPlugin[] {
  const known = ['image_decompression', 'image_conversion', 'inject_image_metadata'];
  for (const name of config.importPlugins) {
    if (!known.includes(name)) {
      throw new Error(`Invalid IRIS_IMPORT_PLUGINS item '${name}': use ${known.join(', ')}`);
    }
  }
  const plugins: ImportPlugin[] = [];
  if (config.importPlugins.includes('image_decompression')) plugins.push(new GzipDecompressionPlugin());
  if (config.importPlugins.includes('image_conversion')) {
    plugins.push(
      new QemuImgConversionPlugin((url) => stores.owner(url), {
        targetFormat: config.conversionFormat,
        workDirectory: stagingDirectory(config),
        memoryLimitBytes: config.qemuImgMemoryLimit,
        timeoutMs: config.qemuImgTimeoutMs,
      }),
    );
  }
  if (config.importPlugins.includes('inject_image_metadata')) {
    plugins.push(new PropertyInjectionPlugin(parseInjectedProperties(config.injectProperties)));
  }
  return plugins;
}

/** Tokens of the container's bindings that the import services use. */
export interface SharedTokens {
  Policy: symbol;
  QuotaGuard: symbol;
  ImageService: symbol;
  WriteLock: symbol;
  DataSource: symbol;
}

/**
 * Binds the task repository, staging area, web downloader and the import
 * service. The task repository reports outages to `onUnavailable`, the
 * listener of the image and member repositories, so that one rate limit
 * covers every outage log line.
 */
export function bindImportServices(
  container: Container,
  config: IrisConfig,
  logger: Logger,
  tokens: SharedTokens,
  onUnavailable: UnavailableListener,
): void {
  container
    .bind<TaskRepository>(TaskRepository)
    .toDynamicValue((ctx) =>
      withUnavailableErrors(
        new TypeOrmTaskRepository(ctx.get(tokens.DataSource), ctx.get(tokens.WriteLock)),
        onUnavailable,
      ),
    );
  container.bind<StagingArea>(StagingArea).toConstantValue(new FilesystemStagingArea(stagingDirectory(config)));
  container.bind<WebDownloader>(WebDownloader).toConstantValue(
    new HttpWebDownloader({
      allowedSchemes: config.importAllowedSchemes,
      disallowedSchemes: config.importDisallowedSchemes,
      allowedHosts: config.importAllowedHosts,
      disallowedHosts: config.importDisallowedHosts,
      allowedPorts: config.importAllowedPorts,
      disallowedPorts: config.importDisallowedPorts,
      timeoutMs: config.webDownloadTimeoutMs,
      maxRedirects: 5,
    }),
  );
  container.bind(IMPORT_TOKENS.ImportService).toDynamicValue((ctx) => {
    const data = ctx.get<ImageDataStore>(ImageDataStore);
    return new ImportService({
      images: ctx.get(ImageRepository),
      members: ctx.get(MemberRepository),
      tasks: ctx.get(TaskRepository),
      data,
      staging: ctx.get(StagingArea),
      downloader: ctx.get(WebDownloader),
      plugins: buildImportPlugins(config, ctx.get<FilesystemStoreRegistry>(DataStores)),
      stores: ctx.get(DataStores),
      quotas: ctx.get(tokens.QuotaGuard),
      policy: ctx.get(tokens.Policy),
      clock: ctx.get(Clock),
      ids: ctx.get(IdGenerator),
      importMethods: config.importMethods,
      imageSizeCap: config.imageSizeCap,
      taskTimeToLiveMs: config.taskTimeToLiveHours * HOUR_MS,
      describeError: (error, ids) => {
        logger.warn({ err: error, task_id: ids.taskId, image_id: ids.imageId }, 'image import failed');
        return describeImportError(error);
      },
    });
  });
  container.bind(IMPORT_TOKENS.StoreService).toDynamicValue(
    (ctx) =>
      new StoreService({
        images: ctx.get(ImageRepository),
        members: ctx.get(MemberRepository),
        stores: ctx.get(DataStores),
        policy: ctx.get(tokens.Policy),
        clock: ctx.get(Clock),
      }),
  );
  container.bind(IMPORT_TOKENS.TaskService).toDynamicValue(
    (ctx) =>
      new TaskService({
        tasks: ctx.get(TaskRepository),
        images: ctx.get(tokens.ImageService),
        imports: ctx.get(IMPORT_TOKENS.ImportService),
        downloader: ctx.get(WebDownloader),
        policy: ctx.get(tokens.Policy),
        clock: ctx.get(Clock),
        ids: ctx.get(IdGenerator),
        paging: { defaultLimit: config.defaultLimit, maxLimit: config.maxLimit },
      }),
  );
}

/** Reverts the imports that a stopped process left unfinished, and logs each image. */
export async function recoverInterruptedImports(imports: ImportService, logger: Logger): Promise<void> {
  const reverted = await imports.recoverInterruptedImports();
  for (const imageId of reverted) {
    logger.warn({ image_id: imageId }, 'import interrupted by a restart; image returned to queued');
  }
}

/** Waits for running imports at shutdown, at most `timeoutMs`, so that they can record their outcome. */
export async function waitForImports(imports: ImportService, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const finished = imports.whenIdle().then(() => false);
  if (await Promise.race([finished, timedOut])) {
    logger.warn({ timeout_ms: timeoutMs }, 'imports still running at shutdown; the next start-up reverts them');
  }
  clearTimeout(timer);
}
