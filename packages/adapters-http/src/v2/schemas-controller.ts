import {
  FormatSettings,
  imageSchema,
  imagesSchema,
  memberSchema,
  membersSchema,
  taskSchema,
  tasksSchema,
} from '@iris/domain';
import { Request, Response, Router } from 'express';
import { rejectBody } from '../middleware/body';
import { route } from './routing';

export function schemasController(formats: FormatSettings): Router {
  const router = Router({ strict: true });
  const documents: Record<string, object> = {
    image: imageSchema(formats),
    images: imagesSchema(formats),
    member: memberSchema(),
    members: membersSchema(),
    task: taskSchema(),
    tasks: tasksSchema(),
  };
  for (const [name, document] of Object.entries(documents)) {
    const body = JSON.stringify(document);
    route(router, `/schemas/${name}`, {
      get: (req: Request, res: Response) => {
        rejectBody(req);
        res.type('application/json').send(body);
      },
    });
  }
  return router;
}
