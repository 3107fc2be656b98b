import { ImageDataService, RangeRequest } from '@iris/domain';
import { Request, Response, Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../errors/http-error';
import { mediaType, rejectBody } from '../middleware/body';
import { locals } from '../middleware/request-context';
import { param, route } from './routing';

/**
 * Reads the declared size from Content-Length. Glance 25.1 ignores
 * x-openstack-image-size on this route, whatever its value, and so does Iris.
 */
function declaredSize(req: Request): number | null {
  const length = req.get('content-length');
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
}

/**
 * Parses the request header `Content-Range: bytes a-b/total`, which older
 * clients send in place of Range and Glance still honours.
 */
export function parseContentRangeHeader(header: string | undefined): RangeRequest | null {
  if (header === undefined) return null;
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (match === null || Number(match[2]) < Number(match[1])) {
    throw new HttpError(416, 'invalid_range_header', { value: header });
  }
  return { start: Number(match[1]), end: Number(match[2]) };
}

/** Parses a single `bytes=` range; several ranges are a 400 and nonsense a 416. */
export function parseRangeHeader(header: string | undefined): RangeRequest | null {
  if (header === undefined) return null;
  if (header.includes(',')) throw new HttpError(400, 'multiple_ranges');
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) {
    throw new HttpError(416, 'invalid_range_header', { value: header });
  }
  const start = match[1] === '' ? null : Number(match[1]);
  const end = match[2] === '' ? null : Number(match[2]);
  if (start !== null && end !== null && end < start) {
    throw new HttpError(416, 'invalid_range_header', { value: header });
  }
  return { start, end };
}

export function imageDataController(data: ImageDataService): Router {
  const router = Router({ strict: true });

  route(router, '/images/:imageId/file', {
    put: async (req: Request, res: Response) => {
      const type = mediaType(req);
      if (type !== 'application/octet-stream') {
        throw new HttpError(415, 'unsupported_content_type', {
          type: type ?? '',
          expected: 'application/octet-stream',
        });
      }
      const store = req.get('x-image-meta-store') ?? null;
      await data.upload(locals(res).context, param(req, 'imageId'), req, declaredSize(req), store);
      res.status(204).end();
    },
    get: async (req: Request, res: Response) => {
      rejectBody(req);
      const range = parseRangeHeader(req.get('range')) ?? parseContentRangeHeader(req.get('content-range'));
      const download = await data.download(locals(res).context, param(req, 'imageId'), range);
      const { image } = download;
      if (download.body === null || image.size === null) {
        res.status(204).end();
        return;
      }

      res.setHeader('Content-Type', 'application/octet-stream');
      if (image.checksum !== null) res.setHeader('Content-MD5', image.checksum);
      if (download.range !== null) {
        const { start, end } = download.range;
        res.status(206);
        res.setHeader('Content-Range', `bytes ${start}-${end}/${image.size}`);
        res.setHeader('Content-Length', String(end - start + 1));
      } else {
        res.setHeader('Content-Length', String(image.size));
      }
      await pipeline(Readable.from(download.body), res);
    },
  });

  return router;
}
