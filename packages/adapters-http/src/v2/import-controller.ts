import { ImportService, Task } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { HttpError } from '../errors/http-error';
import { mediaType, readJsonBody, rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { param, route } from './routing';

function declaredSize(req: Request): number | null {
  const size = req.get('x-openstack-image-size') ?? req.get('content-length');
  if (size === undefined) return null;
  if (!/^\d+$/.test(size)) throw new HttpError(400, 'invalid_image_size_header', { value: size });
  return Number(size);
}

/** Timestamps of /images/{id}/tasks as Glance's generic serializer writes them: no zone, microseconds. */
function rawTimestamp(date: Date | null): string | null {
  return date === null ? null : `${date.toISOString().slice(0, 19)}.000000`;
}

/** A task as a database record, the form that GET /v2/images/{id}/tasks returns. */
export function taskRecordView(task: Task): Record<string, unknown> {
  return {
    id: task.id,
    type: task.type,
    status: task.status,
    owner: task.owner,
    expires_at: rawTimestamp(task.expiresAt),
    created_at: rawTimestamp(task.createdAt),
    updated_at: rawTimestamp(task.updatedAt),
    deleted_at: null,
    deleted: false,
    image_id: task.imageId,
    request_id: task.requestId,
    user_id: task.userId,
    input: task.input,
    result: task.result,
    message: task.message,
  };
}

/** Routes of interoperable image import: staging, import, discovery and an image's tasks. */
export function importController(imports: ImportService): Router {
  const router = Router({ strict: true });

  route(router, '/images/:imageId/stage', {
    put: async (req: Request, res: Response) => {
      const type = mediaType(req);
      if (type !== 'application/octet-stream') {
        throw new HttpError(415, 'unsupported_content_type', {
          type: type ?? '',
          expected: 'application/octet-stream',
        });
      }
      await imports.stage(locals(res).context, param(req, 'imageId'), req, declaredSize(req));
      res.status(204).end();
    },
  });

  route(router, '/images/:imageId/import', {
    post: async (req: Request, res: Response) => {
      const body = await readJsonBody(req);
      const store = req.get('x-image-meta-store') ?? null;
      await imports.startImport(locals(res).context, param(req, 'imageId'), body, store);
      res.status(202).end();
    },
  });

  route(router, '/images/:imageId/tasks', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      const list = await imports.listImageTasks(locals(res).context, param(req, 'imageId'));
      res.json({ tasks: list.map(taskRecordView) });
    },
  });

  route(router, '/info/import', {
    get: (req: Request, res: Response) => {
      rejectBody(req);
      res.json({
        'import-methods': {
          description: 'Import methods available.',
          type: 'array',
          value: [...imports.importMethods],
        },
      });
    },
  });

  return router;
}
