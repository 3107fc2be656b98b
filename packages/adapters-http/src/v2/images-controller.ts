import { ImageService, PatchDialect, QueryParameters } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { HttpError } from '../errors/http-error';
import { mediaType, readJsonBody, rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { imageView } from './image-view';
import { absoluteUrl, param, route } from './routing';

const PATCH_MEDIA_TYPES: Record<string, PatchDialect> = {
  'application/openstack-images-v2.1-json-patch': '2.1',
  'application/openstack-images-v2.0-json-patch': '2.0',
};

export interface ImagesControllerOptions {
  /** Value of the OpenStack-image-import-methods header; empty leaves it out. */
  importMethods: string[];
  /** Store ids of a multi-store deployment, sent as the OpenStack-image-store-ids header. Empty leaves the header out. */
  storeIds: string[];
}

/** Builds the query string of a listing link from the request's own parameters. */
function listingLink(params: QueryParameters, marker?: string): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (key === 'marker' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  if (marker !== undefined) search.append('marker', marker);
  const query = search.toString();
  return query === '' ? '/v2/images' : `/v2/images?${query}`;
}

export function imagesController(images: ImageService, options: ImagesControllerOptions): Router {
  const router = Router({ strict: true });

  route(router, '/images', {
    // Unlike the other GET routes, Glance's listing ignores a request body.
    get: async (req: Request, res: Response) => {
      const params = req.query as QueryParameters;
      const page = await images.list(locals(res).context, params);
      const body: Record<string, unknown> = {
        images: page.images.map(imageView),
        first: listingLink(params),
        schema: '/v2/schemas/images',
      };
      const last = page.images[page.images.length - 1];
      if (last !== undefined && page.images.length === page.limit) {
        body.next = listingLink(params, last.id);
      }
      res.json(body);
    },
    post: async (req: Request, res: Response) => {
      const image = await images.create(locals(res).context, await readJsonBody(req));
      res.status(201);
      res.setHeader('Location', absoluteUrl(req, `/v2/images/${image.id}`));
      if (options.importMethods.length > 0) {
        res.setHeader('OpenStack-image-import-methods', options.importMethods.join(','));
      }
      if (options.storeIds.length > 0) {
        res.setHeader('OpenStack-image-store-ids', options.storeIds.join(','));
      }
      res.json(imageView(image));
    },
  });

  route(router, '/images/:imageId', {
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      res.json(imageView(await images.get(locals(res).context, param(req, 'imageId'))));
    },
    patch: async (req: Request, res: Response) => {
      const dialect = PATCH_MEDIA_TYPES[mediaType(req) ?? ''];
      if (dialect === undefined) {
        throw new HttpError(
          415,
          'unsupported_content_type',
          { type: mediaType(req) ?? '', expected: Object.keys(PATCH_MEDIA_TYPES).join(', ') },
          { 'Accept-Patch': Object.keys(PATCH_MEDIA_TYPES).reverse().join(', ') },
        );
      }
      const body = await readJsonBody(req);
      res.json(imageView(await images.patch(locals(res).context, param(req, 'imageId'), body, dialect)));
    },
    delete: async (req: Request, res: Response) => {
      rejectBody(req);
      await images.delete(locals(res).context, param(req, 'imageId'));
      res.status(204).end();
    },
  });

  route(router, '/images/:imageId/actions/deactivate', {
    post: async (req: Request, res: Response) => {
      rejectBody(req);
      await images.deactivate(locals(res).context, param(req, 'imageId'));
      res.status(204).end();
    },
  });

  route(router, '/images/:imageId/actions/reactivate', {
    post: async (req: Request, res: Response) => {
      rejectBody(req);
      await images.reactivate(locals(res).context, param(req, 'imageId'));
      res.status(204).end();
    },
  });

  route(router, '/images/:imageId/tags/:tag', {
    put: async (req: Request, res: Response) => {
      rejectBody(req);
      await images.addTag(locals(res).context, param(req, 'imageId'), param(req, 'tag'));
      res.status(204).end();
    },
    delete: async (req: Request, res: Response) => {
      rejectBody(req);
      await images.removeTag(locals(res).context, param(req, 'imageId'), param(req, 'tag'));
      res.status(204).end();
    },
  });

  return router;
}
