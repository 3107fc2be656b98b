import { RequestContext, V1MemberService } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { HttpError } from '../errors/http-error';
import { readJsonBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { param } from '../v2/routing';
import { v1MemberView, v1SharedImageView } from './image-view';
import { v1Route } from './routing';

/** Glance v1 changes memberships only for a caller with a project (or an administrator). */
function authenticatedContext(res: Response): RequestContext {
  const ctx = locals(res).context;
  if (ctx.projectId === null && !ctx.isAdmin) {
    throw new HttpError(401, 'v1_no_authenticated_user');
  }
  return ctx;
}

/** Reads the JSON body of a request that may come without one. */
async function readOptionalJsonBody(req: Request): Promise<unknown> {
  const length = Number(req.get('content-length') ?? '0');
  if (length === 0 && req.get('transfer-encoding') === undefined) {
    return undefined;
  }
  return readJsonBody(req);
}

export function v1MembersController(members: V1MemberService): Router {
  const router = Router();

  v1Route(router, '/images/:imageId/members', 'GET, PUT', {
    get: async (req: Request, res: Response) => {
      const list = await members.list(
        locals(res).context,
        param(req, 'imageId'),
      );
      res.json({ members: list.map(v1MemberView) });
    },
    put: async (req: Request, res: Response) => {
      const ctx = authenticatedContext(res);
      await members.replace(
        ctx,
        param(req, 'imageId'),
        await readJsonBody(req),
      );
      res.status(204).end();
    },
  });

  v1Route(router, '/images/:imageId/members/:memberId', 'GET, PUT, DELETE', {
    // Glance v1 routes GET here but has no handler for it, so it returns 405 without Allow.
    get: (req: Request) => {
      throw new HttpError(405, 'method_not_allowed', { method: req.method });
    },
    put: async (req: Request, res: Response) => {
      const ctx = authenticatedContext(res);
      const body = await readOptionalJsonBody(req);
      await members.put(
        ctx,
        param(req, 'imageId'),
        param(req, 'memberId'),
        body,
      );
      res.status(204).end();
    },
    delete: async (req: Request, res: Response) => {
      const ctx = authenticatedContext(res);
      await members.remove(ctx, param(req, 'imageId'), param(req, 'memberId'));
      res.status(204).end();
    },
  });

  // Glance routes every method of this path to the listing.
  router.all(
    '/shared-images/:memberId',
    async (req: Request, res: Response) => {
      const list = await members.listSharedImages(
        locals(res).context,
        param(req, 'memberId'),
      );
      res.json({ shared_images: list.map(v1SharedImageView) });
    },
  );

  return router;
}
