import { StoreInfo, StoreService } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { param, route } from './routing';

/** Builds a store entry of /v2/info/stores; Glance writes the flags as strings. */
function storeView(store: StoreInfo): Record<string, unknown> {
  const view: Record<string, unknown> = { id: store.id };
  if (store.description !== null) view.description = store.description;
  if (store.isDefault) view.default = 'true';
  return view;
}

function storeDetailView(store: StoreInfo): Record<string, unknown> {
  return { ...storeView(store), type: store.type, weight: 0, properties: store.properties };
}

/** Routes of a multi-store deployment: store discovery and deleting an image from one store. */
export function storesController(stores: StoreService): Router {
  const router = Router({ strict: true });

  route(router, '/info/stores', {
    get: (req: Request, res: Response) => {
      rejectBody(req);
      res.json({ stores: stores.list().map(storeView) });
    },
  });

  route(router, '/info/stores/detail', {
    get: (req: Request, res: Response) => {
      rejectBody(req);
      res.json({ stores: stores.detail(locals(res).context).map(storeDetailView) });
    },
  });

  route(router, '/stores/:storeId/:imageId', {
    delete: async (req: Request, res: Response) => {
      rejectBody(req);
      await stores.deleteFromStore(locals(res).context, param(req, 'storeId'), param(req, 'imageId'));
      res.status(204).end();
    },
  });

  return router;
}
