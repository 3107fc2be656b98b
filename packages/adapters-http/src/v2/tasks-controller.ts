import { QueryParameters, Task, TaskService } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { readJsonBody, rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { isoTime } from './image-view';
import { absoluteUrl, param, route } from './routing';

/**
 * Builds a task as GET /v2/tasks/{id} returns it, with image_id, request_id,
 * user_id and expires_at only when set. A null owner (a task of an
 * administrator without a project) is left out as well, because the task
 * schema types owner as a string and glanceclient 4.1 validates listed
 * tasks against it.
 */
export function taskView(task: Task): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: task.id,
    type: task.type,
    status: task.status,
    input: task.input,
    result: task.result,
    message: task.message,
    created_at: isoTime(task.createdAt),
    updated_at: isoTime(task.updatedAt),
    self: `/v2/tasks/${task.id}`,
    schema: '/v2/schemas/task',
  };
  if (task.owner !== null) view.owner = task.owner;
  if (task.imageId !== null) view.image_id = task.imageId;
  if (task.requestId !== null) view.request_id = task.requestId;
  if (task.userId !== null) view.user_id = task.userId;
  if (task.expiresAt !== null) view.expires_at = isoTime(task.expiresAt);
  return view;
}

/** Builds a listed task: the view without input, result and message. */
function taskStub(task: Task): Record<string, unknown> {
  const { input: _input, result: _result, message: _message, ...stub } = taskView(task);
  return stub;
}

function listingLink(params: QueryParameters, marker?: string): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (key === 'marker' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  if (marker !== undefined) search.append('marker', marker);
  const query = search.toString();
  return query === '' ? '/v2/tasks' : `/v2/tasks?${query}`;
}

export function tasksController(tasks: TaskService): Router {
  const router = Router({ strict: true });

  route(router, '/tasks', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      const params = req.query as QueryParameters;
      const page = await tasks.list(locals(res).context, params);
      const body: Record<string, unknown> = {
        tasks: page.tasks.map(taskStub),
        first: listingLink(params),
        schema: '/v2/schemas/tasks',
      };
      const last = page.tasks[page.tasks.length - 1];
      if (last !== undefined && page.tasks.length === page.limit) body.next = listingLink(params, last.id);
      res.json(body);
    },
    post: async (req: Request, res: Response) => {
      const task = await tasks.create(locals(res).context, await readJsonBody(req));
      res.status(201);
      res.setHeader('Location', absoluteUrl(req, `/v2/tasks/${task.id}`));
      res.json(taskView(task));
    },
  });

  route(router, '/tasks/:taskId', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      res.json(taskView(await tasks.get(locals(res).context, param(req, 'taskId'))));
    },
  });

  return router;
}
