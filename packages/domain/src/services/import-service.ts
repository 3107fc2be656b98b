import { MIB } from '../model/quota';
import { Conflict, InvalidInput, NotFound, QuotaExceeded } from '../errors';
import { Image, requireFormats, withStatus } from '../model/image';
import { ImportRequest, parseImportRequest } from '../model/import-request';
import { RequestContext } from '../model/request-context';
import { Task, withTaskStatus } from '../model/task';
import { Policy } from '../policy/policy';
import { IdGenerator } from '../ports/id-generator.port';
import { ByteSource } from '../ports/image-data-store.port';
import { afterUpdate, ImageRepository, unchangedSince } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';
import {
  FAILED_IMPORT_PROPERTY,
  IMPORT_TASK_PROPERTY,
  IMPORTING_TO_STORES_PROPERTY,
  ImportFlow,
  ImportFlowDeps,
} from './import-flow';

export interface ImportServiceDeps extends ImportFlowDeps {
  members: MemberRepository;
  policy: Policy;
  ids: IdGenerator;
  /** Glance's enabled_import_methods. */
  importMethods: readonly string[];
}

/** Statuses from which each method starts, as Glance's import call checks them. */
const START_STATUS: Record<ImportRequest['method'], Image['status']> = {
  'glance-direct': 'uploading',
  'web-download': 'queued',
  'copy-image': 'active',
};

/** An import lock older than this is ignored, as Glance busts it (60 minutes). */
const LOCK_MAX_AGE_MS = 60 * 60 * 1000;

/** Use cases of interoperable image import: staging data and starting imports. */
export class ImportService {
  private readonly access: ImageAccess;
  private readonly flow: ImportFlow;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: ImportServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
    this.flow = new ImportFlow(deps);
  }

  get importMethods(): readonly string[] {
    return this.deps.importMethods;
  }

  /** Returns the unexpired tasks of an image that the caller may see. */
  async listImageTasks(ctx: RequestContext, id: string): Promise<Task[]> {
    await this.access.load(ctx, id);
    return this.deps.tasks.listByImage(id, this.deps.clock.now());
  }

  /**
   * Stores data in the staging area for a later glance-direct import. The
   * image goes from `queued` to `uploading` and gets its size; on failure
   * the staged data is removed and the image goes back to `queued`.
   */
  async stage(ctx: RequestContext, id: string, source: ByteSource, declaredSize: number | null): Promise<Image> {
    if (!this.deps.importMethods.includes('glance-direct')) throw new NotFound('path_not_found');
    const { image } = await this.access.loadFor(ctx, id, 'modify_image');
    const cap = this.deps.imageSizeCap;
    if (declaredSize !== null && declaredSize > cap) {
      throw new QuotaExceeded('image_size_cap_exceeded', { limit: cap });
    }

    const quotas = this.deps.quotas;
    const sizeMiB = declaredSize === null ? 0 : Math.ceil(declaredSize / MIB);
    await quotas?.check(ctx, { image_count_uploading: 1, image_stage_total: sizeMiB });
    const limited = quotas === undefined ? source : await quotas.limitData(ctx, source, 'image_stage_total');

    const uploading = { ...withStatus(image, 'uploading'), updatedAt: this.deps.clock.now() };
    if (!(await this.deps.images.update(uploading, unchangedSince(image)))) {
      throw new Conflict('image_changed_concurrently', { id });
    }
    const stored = afterUpdate(image, uploading);

    let size: number;
    try {
      size = await this.deps.staging.put(id, limited, { maxSize: cap });
    } catch (error) {
      await this.deps.staging.delete(id);
      const queued = { ...withStatus(stored, 'queued'), updatedAt: this.deps.clock.now() };
      await this.deps.images.update(queued, unchangedSince(stored));
      throw error;
    }

    const staged = { ...stored, size, updatedAt: this.deps.clock.now() };
    if (!(await this.deps.images.update(staged, unchangedSince(stored)))) {
      await this.deps.staging.delete(id);
      throw new Conflict('image_changed_concurrently', { id });
    }
    return afterUpdate(stored, staged);
  }

  /**
   * Checks an import request, creates its api_image_import task and starts
   * the import, which runs on after this call returns. Returns the task.
   */
  async startImport(ctx: RequestContext, id: string, body: unknown, headerStore: string | null = null): Promise<Task | null> {
    const request = parseImportRequest(body, this.deps.importMethods);
    const action = request.method === 'copy-image' ? 'copy_image' : 'modify_image';
    const { image } = await this.access.loadFor(ctx, id, action);
    this.checkStartable(image, request);
    await this.checkLock(image);
    // Glance refuses any import once image_size_total is already exceeded;
    // the import flow checks the other limits.
    await this.deps.quotas?.check(ctx, { image_size_total: 0 });
    if (request.uri !== null) this.deps.downloader.check(request.uri);
    const targets = this.targetStores(image, request, headerStore);
    // Glance returns 202 and does nothing when every store already has a copy.
    if (request.method === 'copy-image' && targets.length === 0) return null;

    const task = this.newTask(ctx, image, body, targets);
    await this.deps.tasks.add(task);
    const status = request.method === 'copy-image' ? image : withStatus(image, 'importing');
    const importing: Image = {
      ...status,
      properties: {
        ...image.properties,
        [IMPORT_TASK_PROPERTY]: task.id,
        [IMPORTING_TO_STORES_PROPERTY]: targets.join(','),
        [FAILED_IMPORT_PROPERTY]: '',
      },
      updatedAt: this.deps.clock.now(),
    };
    if (!(await this.deps.images.update(importing, unchangedSince(image)))) {
      await this.failTask(task, 'The image changed before the import started.');
      throw new Conflict('image_changed_concurrently', { id });
    }

    this.track(this.flow.run(task, afterUpdate(image, importing), request, targets));
    return task;
  }

  /**
   * Works out the target stores from `stores`, `all_stores` or the
   * X-Image-Meta-Store header, as Glance checks them. Returns an empty list
   * with multi-store off, which means the one store.
   */
  private targetStores(image: Image, request: ImportRequest, headerStore: string | null): string[] {
    const stores = this.deps.stores;
    if (stores === undefined || !stores.multiStore) {
      if (request.method === 'copy-image') throw new InvalidInput('copy_image_single_store');
      if (!request.allStoresMustSucceed) throw new InvalidInput('all_stores_must_succeed_single_store');
      return [];
    }
    if (request.allStores && (request.stores !== null || headerStore !== null)) {
      throw new InvalidInput('import_stores_conflict');
    }
    if (request.stores !== null && headerStore !== null) throw new InvalidInput('import_stores_conflict');

    const existing = image.locations.map((location) => location.metadata.store);
    if (request.allStores) {
      const all = stores.list().map((store) => store.id);
      return request.method === 'copy-image' ? all.filter((id) => !existing.includes(id)) : all;
    }
    const named = request.stores ?? (headerStore === null ? [stores.defaultStoreId] : [headerStore]);
    for (const id of named) {
      if (stores.find(id) === null) throw new Conflict('store_unknown', { store: id });
      if (request.method === 'copy-image' && existing.includes(id)) {
        throw new InvalidInput('image_already_in_store', { id: image.id, store: id });
      }
    }
    return [...new Set(named)];
  }

  /**
   * Imports from a URL for a task of the tasks API: the queued image goes to
   * `importing` and the web-download flow runs on after this call returns.
   */
  async startTaskImport(task: Task, image: Image, uri: string): Promise<void> {
    const request: ImportRequest = {
      method: 'web-download',
      uri,
      stores: null,
      allStores: false,
      allStoresMustSucceed: true,
    };
    this.checkStartable(image, request);
    const importing: Image = {
      ...withStatus(image, 'importing'),
      properties: { ...image.properties, [IMPORT_TASK_PROPERTY]: task.id },
      updatedAt: this.deps.clock.now(),
    };
    if (!(await this.deps.images.update(importing, unchangedSince(image)))) {
      throw new Conflict('image_changed_concurrently', { id: image.id });
    }
    this.track(this.flow.run(task, afterUpdate(image, importing), request));
  }

  /** Fails a task that never started, with the error's description as its message. */
  async failUnstartedTask(task: Task, error: unknown): Promise<void> {
    const ids = { taskId: task.id, imageId: task.imageId ?? '' };
    await this.failTask(task, this.deps.describeError(error, ids));
  }

  /** Keeps a background task's promise so that shutdown can wait for it. */
  track(run: Promise<void>): void {
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private checkStartable(image: Image, request: ImportRequest): void {
    if (image.status === 'active' && request.method !== 'copy-image') {
      throw new Conflict('import_target_active', { status: image.status });
    }
    if (image.status !== START_STATUS[request.method]) {
      throw new Conflict('import_status_invalid', {
        method: request.method,
        status: image.status,
        expected: START_STATUS[request.method],
      });
    }
    requireFormats(image);
  }

  /** Rejects a second import while the task named in os_glance_import_task still runs. */
  private async checkLock(image: Image): Promise<void> {
    const taskId = image.properties[IMPORT_TASK_PROPERTY];
    if (taskId === undefined || taskId === null || taskId === '') return;
    const now = this.deps.clock.now();
    const task = await this.deps.tasks.findById(taskId, now);
    if (task === null || task.status === 'success' || task.status === 'failure') return;
    if (now.getTime() - task.updatedAt.getTime() > LOCK_MAX_AGE_MS) return;
    throw new Conflict('import_locked', { id: image.id, task: taskId });
  }

  private newTask(ctx: RequestContext, image: Image, body: unknown, targets: string[]): Task {
    const now = this.deps.clock.now();
    return {
      id: this.deps.ids.newId(),
      type: 'api_image_import',
      status: 'pending',
      input: { image_id: image.id, import_req: body, backend: targets.length > 0 ? targets : [this.deps.data.storeId] },
      result: null,
      owner: ctx.projectId,
      message: '',
      imageId: image.id,
      requestId: ctx.requestId,
      userId: ctx.userId,
      expiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  private async failTask(task: Task, message: string): Promise<void> {
    const failed = { ...withTaskStatus(task, 'failure', this.deps.clock.now(), this.deps.taskTimeToLiveMs), message };
    await this.deps.tasks.update(failed, task.status);
  }

  /** Resolves once every import started by this process has finished. */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Fails the tasks and reverts the images of imports that a stopped process
   * left unfinished, so that no image stays `importing` for ever. Returns the
   * ids of the images it reverted.
   *
   * NOTE: like the upload recovery, this assumes no other live process runs
   * imports against the same database.
   */
  async recoverInterruptedImports(): Promise<string[]> {
    for (const task of await this.deps.tasks.listByStatus(['pending', 'processing'])) {
      await this.failTask(task, 'The import was interrupted by a restart of the server.');
    }
    const reverted: string[] = [];
    for (const image of await this.deps.images.listByStatus('importing')) {
      await this.flow.revertImage(image.id);
      reverted.push(image.id);
    }
    return reverted;
  }
}
