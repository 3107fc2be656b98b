import { QuotaGuard } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { route } from './routing';

/** GET /v2/info/usage: the caller's project limits and usage, sizes in MiB. */
export function usageController(quotas: QuotaGuard): Router {
  const router = Router({ strict: true });
  route(router, '/info/usage', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      res.json({ usage: await quotas.usage(locals(res).context) });
    },
  });
  return router;
}
