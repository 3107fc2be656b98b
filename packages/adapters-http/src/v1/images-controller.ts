import {
  Image,
  ImageService,
  QueryParameters,
  V1ImageService,
} from '@iris/domain';
import { Request, Response, Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../errors/http-error';
import { locals } from '../middleware/request-context';
import { absoluteUrl, param } from '../v2/routing';
import {
  readImageData,
  readImageMetadata,
  readPurgeProperties,
} from './image-headers';
import { v1ImageView, v1MetadataHeaders, v1SummaryView } from './image-view';
import { v1Route } from './routing';

/** webob's type for a response that has no body of its own. */
const EMPTY_BODY_TYPE = 'text/html; charset=UTF-8';

function sendEmpty(res: Response, status: number): void {
  res.status(status).setHeader('Content-Type', EMPTY_BODY_TYPE);
  res.setHeader('Content-Length', '0');
  res.end();
}

function setImageHeaders(res: Response, image: Image): void {
  for (const [name, value] of Object.entries(v1MetadataHeaders(image))) {
    res.setHeader(name, value);
  }
  setEtag(res, image);
}

function setEtag(res: Response, image: Image): void {
  if (image.checksum !== null) res.setHeader('ETag', image.checksum);
}

/**
 * Builds the v1 image routes. Deleting goes through the v2 ImageService,
 * whose rules v1 shares, and only the response differs (200 with an empty body).
 */
export function v1ImagesController(
  v1: V1ImageService,
  images: ImageService,
): Router {
  const router = Router();
  const list =
    (view: (image: Image) => Record<string, unknown>) =>
    async (req: Request, res: Response) => {
      const found = await v1.list(
        locals(res).context,
        req.query as QueryParameters,
      );
      res.json({ images: found.map(view) });
    };

  // Glance routes every method of `/v1/` to the summary listing.
  router.all('/', list(v1SummaryView));

  v1Route(router, '/images', 'GET, POST', {
    get: list(v1SummaryView),
    post: async (req: Request, res: Response) => {
      const image = await v1.create(
        locals(res).context,
        readImageMetadata(req),
        readImageData(req),
      );
      res
        .status(201)
        .setHeader('Location', absoluteUrl(req, `/v1/images/${image.id}`));
      setEtag(res, image);
      res.json({ image: v1ImageView(image) });
    },
  });

  v1Route(router, '/images/detail', 'GET, HEAD', {
    get: list(v1ImageView),
    // Glance's router accepts HEAD here, and then its handler rejects it.
    head: () => {
      throw new HttpError(
        405,
        'v1_detail_head_not_allowed',
        {},
        { Allow: 'GET' },
      );
    },
  });

  v1Route(router, '/images/:imageId', 'GET, HEAD, PUT, DELETE', {
    head: async (req: Request, res: Response) => {
      setImageHeaders(
        res,
        await v1.get(locals(res).context, param(req, 'imageId')),
      );
      sendEmpty(res, 200);
    },
    get: async (req: Request, res: Response) => {
      const { image, body } = await v1.download(
        locals(res).context,
        param(req, 'imageId'),
      );
      setImageHeaders(res, image);
      res.status(200).setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', String(image.size ?? 0));
      if (body === null) {
        res.end();
        return;
      }
      await pipeline(Readable.from(body), res);
    },
    put: async (req: Request, res: Response) => {
      const ctx = locals(res).context;
      const meta = readImageMetadata(req);
      const purge = readPurgeProperties(req);
      const image = await v1.update(
        ctx,
        param(req, 'imageId'),
        meta,
        readImageData(req),
        purge,
      );
      setEtag(res, image);
      res.json({ image: v1ImageView(image) });
    },
    delete: async (req: Request, res: Response) => {
      await images.delete(locals(res).context, param(req, 'imageId'));
      sendEmpty(res, 200);
    },
  });

  return router;
}
