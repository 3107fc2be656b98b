import { FormatInspector, inspectedVirtualSize, inspectingSource } from '../model/format-inspector';
import { Image, withStatus } from '../model/image';
import { withLocations } from '../model/image-stores';
import { MIB } from '../model/quota';
import { DataStores } from '../ports/data-stores.port';
import { QuotaGuard } from './quota-guard';
import { ImportRequest } from '../model/import-request';
import { Task, withTaskStatus } from '../model/task';
import { Clock } from '../ports/clock.port';
import { ByteSource, ImageDataStore } from '../ports/image-data-store.port';
import { afterUpdate, ImageRepository, unchangedSince } from '../ports/image-repository.port';
import { ImportPlugin } from '../ports/import-plugin.port';
import { StagingArea } from '../ports/staging-area.port';
import { TaskRepository } from '../ports/task-repository.port';
import { WebDownloader } from '../ports/web-downloader.port';

export interface ImportFlowDeps {
  images: ImageRepository;
  tasks: TaskRepository;
  data: ImageDataStore;
  staging: StagingArea;
  downloader: WebDownloader;
  /** Run in order on the data after inspection passed. */
  plugins: ImportPlugin[];
  clock: Clock;
  imageSizeCap: number;
  taskTimeToLiveMs: number;
  /** Per-project limits; without it imports are not counted. */
  quotas?: QuotaGuard;
  /** The named stores of a multi-store deployment; without them imports go to `data`. */
  stores?: DataStores;
  /** Turns an error into the text kept as the failed task's message; adapters log it there. */
  describeError: (error: unknown, ids: { taskId: string; imageId: string }) => string;
}

function splitList(value: string | null | undefined): string[] {
  return (value ?? '').split(',').filter((item) => item !== '');
}

/** Properties that mark an import in progress or failed, as Glance names them. */
export const IMPORT_TASK_PROPERTY = 'os_glance_import_task';
export const FAILED_IMPORT_PROPERTY = 'os_glance_failed_import';
export const IMPORTING_TO_STORES_PROPERTY = 'os_glance_importing_to_stores';

/**
 * The work of one api_image_import task, run after the HTTP request that
 * created it has returned: fetch the data (staging area or URL), inspect
 * it against the declared formats, run the import plugins, store it and
 * activate the image. On failure the image goes back to `queued` and the
 * store is named in os_glance_failed_import.
 */
export class ImportFlow {
  constructor(private readonly deps: ImportFlowDeps) {}

  /**
   * Runs the import into the target stores: the first receives the data,
   * and the others get copies. Copy-image only copies. An empty target list
   * means the default store.
   */
  async run(task: Task, image: Image, request: ImportRequest, targets: string[] = []): Promise<void> {
    let current = await this.startTask(task);
    if (current === null) return;
    try {
      await this.checkQuotas(image, request);
      if (request.method === 'copy-image') {
        await this.copyToStores(image, targets, request.allStoresMustSucceed);
      } else {
        const source = await this.openSource(image, request);
        const active = await this.storeAndActivate(image, source, targets[0] ?? null);
        await this.deps.staging.delete(image.id);
        await this.copyToStores(active, targets.slice(1), request.allStoresMustSucceed);
      }
      current = await this.finishTask(current, 'success', '', { image_id: image.id });
    } catch (error) {
      if (request.method === 'copy-image') await this.releaseLock(image.id);
      else await this.revertImage(image.id);
      const message = this.deps.describeError(error, { taskId: task.id, imageId: image.id });
      await this.finishTask(current, 'failure', message, null);
    }
  }

  /**
   * Checks the owner's limits as Glance's import flows do: glance-direct
   * counts its staged size against image_size_total, and the methods that
   * fetch data need room in image_stage_total and image_count_uploading,
   * where the image itself is already counted.
   */
  private async checkQuotas(image: Image, request: ImportRequest): Promise<void> {
    const quotas = this.deps.quotas;
    if (quotas === undefined) return;
    if (request.method === 'glance-direct') {
      await quotas.checkProject(image.owner, { image_size_total: Math.ceil((image.size ?? 0) / MIB) });
    } else {
      await quotas.checkProject(image.owner, { image_stage_total: 0, image_count_uploading: 0 });
    }
  }

  private async startTask(task: Task): Promise<Task | null> {
    const processing = withTaskStatus(task, 'processing', this.deps.clock.now(), this.deps.taskTimeToLiveMs);
    return (await this.deps.tasks.update(processing, 'pending')) ? processing : null;
  }

  private async finishTask(
    task: Task,
    status: 'success' | 'failure',
    message: string,
    result: Record<string, unknown> | null,
  ): Promise<Task> {
    const finished = {
      ...withTaskStatus(task, status, this.deps.clock.now(), this.deps.taskTimeToLiveMs),
      message,
      result,
    };
    await this.deps.tasks.update(finished, task.status);
    return finished;
  }

  private async openSource(image: Image, request: ImportRequest): Promise<ByteSource> {
    if (request.method === 'web-download' && request.uri !== null) {
      return this.deps.downloader.download(request.uri, this.deps.imageSizeCap);
    }
    return this.deps.staging.get(image.id);
  }

  /**
   * Inspects the data as it streams into the store, after decompression. A
   * plugin that converts the data runs on the stored copy, so only inspected
   * data ever reaches qemu-img.
   */
  private async storeAndActivate(image: Image, source: ByteSource, storeId: string | null): Promise<Image> {
    const store = this.storeFor(storeId);
    let incoming = source;
    for (const plugin of this.deps.plugins) {
      if (plugin.transformSource !== undefined) incoming = await plugin.transformSource(incoming);
    }
    if (this.deps.quotas !== undefined) {
      incoming = await this.deps.quotas.limitProjectData(image.owner, incoming, 'image_size_total');
    }
    const inspector = new FormatInspector();
    const inspected = inspectingSource(incoming, image, inspector);
    let stored = await store.put(image.id, inspected, { maxSize: this.deps.imageSizeCap });
    let formats = { diskFormat: image.diskFormat, containerFormat: image.containerFormat };
    let virtualSize = inspectedVirtualSize(image, inspector);
    let properties = { ...image.properties };
    for (const plugin of this.deps.plugins) {
      if (plugin.afterStore === undefined) continue;
      const outcome = await plugin.afterStore({ image: { ...image, ...formats, properties }, stored });
      stored = outcome.stored;
      formats = outcome.formats ?? formats;
      virtualSize = outcome.virtualSize === undefined ? virtualSize : outcome.virtualSize;
      properties = { ...properties, ...outcome.properties };
    }

    const latest = await this.deps.images.findById(image.id);
    if (latest === null || latest.status !== 'importing') {
      await store.delete(stored.url);
      throw new Error(`image ${image.id} left the importing status during the import`);
    }
    const { [IMPORT_TASK_PROPERTY]: _lock, ...remaining } = { ...latest.properties, ...properties };
    const active: Image = {
      ...withStatus(latest, 'active'),
      ...formats,
      size: stored.size,
      virtualSize,
      checksum: stored.checksum,
      osHashAlgo: stored.hashAlgo,
      osHashValue: stored.hashValue,
      properties: { ...remaining, [IMPORTING_TO_STORES_PROPERTY]: '' },
      updatedAt: this.deps.clock.now(),
    };
    const location = { url: stored.url, metadata: { store: store.storeId } };
    const located = withLocations(active, [location], this.multiStore);
    if (!(await this.deps.images.update(located, unchangedSince(latest)))) {
      await store.delete(stored.url);
      throw new Error(`image ${image.id} changed during the import`);
    }
    return afterUpdate(latest, located);
  }

  private get multiStore(): boolean {
    return this.deps.stores?.multiStore ?? false;
  }

  private storeFor(storeId: string | null): ImageDataStore {
    if (storeId === null || this.deps.stores === undefined) return this.deps.data;
    return this.deps.stores.find(storeId) ?? this.deps.data;
  }

  /**
   * Copies the active image's data into each store, one after another, and
   * records each new location. A store that fails is named in
   * os_glance_failed_import; with `mustSucceed` the task then fails, but
   * the image stays active with the copies made so far.
   */
  private async copyToStores(image: Image, targets: string[], mustSucceed: boolean): Promise<void> {
    const failed: string[] = [];
    for (const storeId of targets) {
      try {
        await this.copyToStore(image.id, storeId);
      } catch (error) {
        failed.push(storeId);
        await this.updateStoreProperties(image.id, storeId, null);
        if (mustSucceed) throw error;
      }
    }
    await this.releaseLock(image.id);
  }

  private async copyToStore(imageId: string, storeId: string): Promise<void> {
    const image = await this.deps.images.findById(imageId);
    const source = image?.locations[0];
    if (image === null || source === undefined) throw new Error(`image ${imageId} has no data to copy`);
    const store = this.storeFor(storeId);
    const stored = await store.put(imageId, await this.deps.data.get(source.url), { maxSize: this.deps.imageSizeCap });
    const location = { url: stored.url, metadata: { store: storeId } };
    if (!(await this.updateStoreProperties(imageId, storeId, location))) {
      await store.delete(stored.url);
      throw new Error(`image ${imageId} changed while it was copied to store ${storeId}`);
    }
  }

  /** Takes the store off os_glance_importing_to_stores and adds its location, or marks it failed. */
  private async updateStoreProperties(
    imageId: string,
    storeId: string,
    location: Image['locations'][number] | null,
  ): Promise<boolean> {
    const latest = await this.deps.images.findById(imageId);
    if (latest === null) return false;
    const importing = splitList(latest.properties[IMPORTING_TO_STORES_PROPERTY]).filter((id) => id !== storeId);
    const failed = splitList(latest.properties[FAILED_IMPORT_PROPERTY]);
    if (location === null && !failed.includes(storeId)) failed.push(storeId);
    const properties = {
      ...latest.properties,
      [IMPORTING_TO_STORES_PROPERTY]: importing.join(','),
      [FAILED_IMPORT_PROPERTY]: failed.join(','),
    };
    const locations = location === null ? latest.locations : [...latest.locations, location];
    const updated = { ...withLocations({ ...latest, properties }, locations, this.multiStore), updatedAt: this.deps.clock.now() };
    return this.deps.images.update(updated, unchangedSince(latest));
  }

  /** Removes os_glance_import_task, leaving the status as it is. */
  private async releaseLock(imageId: string): Promise<void> {
    const latest = await this.deps.images.findById(imageId);
    if (latest === null || latest.properties[IMPORT_TASK_PROPERTY] === undefined) return;
    const { [IMPORT_TASK_PROPERTY]: _lock, ...properties } = latest.properties;
    await this.deps.images.update({ ...latest, properties, updatedAt: this.deps.clock.now() }, unchangedSince(latest));
  }

  /**
   * Returns an importing image to `queued`, naming the store that failed.
   * NOTE: it names the default store, also when the import targeted others.
   */
  async revertImage(imageId: string): Promise<void> {
    await this.deps.staging.delete(imageId);
    const latest = await this.deps.images.findById(imageId);
    if (latest === null || latest.status !== 'importing') return;
    const { [IMPORT_TASK_PROPERTY]: _lock, ...remaining } = latest.properties;
    const queued: Image = {
      ...withStatus(latest, 'queued'),
      properties: {
        ...remaining,
        [IMPORTING_TO_STORES_PROPERTY]: '',
        [FAILED_IMPORT_PROPERTY]: this.deps.data.storeId,
      },
      updatedAt: this.deps.clock.now(),
    };
    await this.deps.images.update(queued, unchangedSince(latest));
  }
}
