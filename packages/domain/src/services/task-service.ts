import { InvalidInput, NotFound } from '../errors';
import { PagingSettings, QueryParameters } from '../model/image-list-query';
import { RequestContext } from '../model/request-context';
import { Task } from '../model/task';
import { parseTaskListQuery } from '../model/task-list-query';
import { Policy } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { IdGenerator } from '../ports/id-generator.port';
import { TaskRepository } from '../ports/task-repository.port';
import { WebDownloader } from '../ports/web-downloader.port';
import { ImageService } from './image-service';
import { ImportService } from './import-service';

export interface TaskServiceDeps {
  tasks: TaskRepository;
  images: ImageService;
  imports: ImportService;
  downloader: WebDownloader;
  policy: Policy;
  clock: Clock;
  ids: IdGenerator;
  paging: PagingSettings;
}

export interface TaskPage {
  tasks: Task[];
  limit: number;
}

interface ImportTaskInput {
  importFrom: string;
  imageProperties: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the input of an `import` task as Glance's tasks API does. */
function parseImportInput(input: Record<string, unknown>): ImportTaskInput {
  for (const key of ['import_from', 'import_from_format', 'image_properties']) {
    if (input[key] === undefined) throw new InvalidInput('task_input_missing', { key });
  }
  if (typeof input.import_from !== 'string') throw new InvalidInput('task_input_invalid', { key: 'import_from' });
  if (typeof input.import_from_format !== 'string') {
    throw new InvalidInput('task_input_invalid', { key: 'import_from_format' });
  }
  if (!isRecord(input.image_properties)) throw new InvalidInput('task_input_invalid', { key: 'image_properties' });
  return { importFrom: input.import_from, imageProperties: input.image_properties };
}

/**
 * Use cases of the (deprecated) tasks API. Every call needs the
 * tasks_api_access rule, which Glance gives only to administrators.
 */
export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  /** Creates an `import` task and starts it: a new image imported from `import_from`. */
  async create(ctx: RequestContext, body: unknown): Promise<Task> {
    this.deps.policy.enforce('tasks_api_access', ctx, {});
    const fields = isRecord(body) ? body : {};
    for (const key of ['type', 'input']) {
      if (fields[key] === undefined) throw new InvalidInput('task_field_required', { key });
    }
    if (fields.type !== 'import') throw new InvalidInput('task_type_invalid', { type: String(fields.type) });
    if (!isRecord(fields.input)) throw new InvalidInput('task_input_invalid', { key: 'input' });
    const input = parseImportInput(fields.input);
    this.deps.downloader.check(input.importFrom);

    const now = this.deps.clock.now();
    const task: Task = {
      id: this.deps.ids.newId(),
      type: 'import',
      status: 'pending',
      input: fields.input,
      result: null,
      owner: ctx.projectId,
      message: '',
      imageId: null,
      requestId: ctx.requestId,
      userId: ctx.userId,
      expiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.tasks.add(task);
    this.deps.imports.track(this.start(ctx, task, input));
    return task;
  }

  private async start(ctx: RequestContext, task: Task, input: ImportTaskInput): Promise<void> {
    try {
      const image = await this.deps.images.create(ctx, input.imageProperties);
      const withImage = { ...task, imageId: image.id };
      await this.deps.tasks.update(withImage, 'pending');
      await this.deps.imports.startTaskImport(withImage, image, input.importFrom);
    } catch (error) {
      await this.deps.imports.failUnstartedTask(task, error);
    }
  }

  async list(ctx: RequestContext, params: QueryParameters): Promise<TaskPage> {
    this.deps.policy.enforce('tasks_api_access', ctx, {});
    const owner = ctx.isAdmin ? null : ctx.projectId;
    const query = parseTaskListQuery(params, this.deps.paging, owner);
    const now = this.deps.clock.now();
    await this.deps.tasks.deleteExpired(owner, now);
    return { tasks: await this.deps.tasks.list(query, now), limit: query.limit };
  }

  async get(ctx: RequestContext, id: string): Promise<Task> {
    this.deps.policy.enforce('tasks_api_access', ctx, {});
    const task = await this.deps.tasks.findById(id, this.deps.clock.now());
    if (task === null || (!ctx.isAdmin && task.owner !== ctx.projectId)) {
      throw new NotFound('task_not_found', { id });
    }
    return task;
  }
}
