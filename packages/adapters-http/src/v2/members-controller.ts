import { MemberService } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { readJsonBody, rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { memberView } from './image-view';
import { param, route } from './routing';

export function membersController(members: MemberService): Router {
  const router = Router({ strict: true });

  route(router, '/images/:imageId/members', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      const list = await members.list(locals(res).context, param(req, 'imageId'));
      res.json({ members: list.map(memberView), schema: '/v2/schemas/members' });
    },
    post: async (req: Request, res: Response) => {
      const body = await readJsonBody(req);
      res.json(memberView(await members.add(locals(res).context, param(req, 'imageId'), body)));
    },
  });

  route(router, '/images/:imageId/members/:memberId', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      const [imageId, memberId] = [param(req, 'imageId'), param(req, 'memberId')];
      res.json(memberView(await members.get(locals(res).context, imageId, memberId)));
    },
    put: async (req: Request, res: Response) => {
      const [imageId, memberId] = [param(req, 'imageId'), param(req, 'memberId')];
      const body = await readJsonBody(req);
      res.json(memberView(await members.updateStatus(locals(res).context, imageId, memberId, body)));
    },
    delete: async (req: Request, res: Response) => {
      rejectBody(req);
      const [imageId, memberId] = [param(req, 'imageId'), param(req, 'memberId')];
      await members.remove(locals(res).context, imageId, memberId);
      res.status(204).end();
    },
  });

  return router;
}
