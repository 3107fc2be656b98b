import { NextFunction, Request, Response } from 'express';
import { absoluteUrl } from './v2/routing';

export interface ApiVersion {
  id: string;
  status: 'CURRENT' | 'SUPPORTED' | 'DEPRECATED';
}

/**
 * The v2 minor versions this server implements, newest first.
 * NOTE: v2.6 (interoperable import) and v2.8 onwards (stores, locations,
 * usage) are not listed because their routes do not exist yet.
 */
export const V2_VERSIONS: ApiVersion[] = [
  { id: 'v2.7', status: 'CURRENT' },
  ...['v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0'].map((id) => ({ id, status: 'SUPPORTED' as const })),
];

export function versionsDocument(req: Request, versions: ApiVersion[]): object {
  const href = absoluteUrl(req, '/v2/');
  return {
    versions: versions.map((version) => ({
      id: version.id,
      status: version.status,
      links: [{ rel: 'self', href }],
    })),
  };
}

const MEDIA_TYPE_PREFIX = 'application/vnd.openstack.images-';

/**
 * Glance's version negotiation: `/v2.N/...` for a listed minor version (or
 * an Accept header naming one) is served as `/v2/...`; `/versions` lists the
 * versions; any other unversioned or unknown-version path gets the list with
 * 300 Multiple Choices.
 */
export function versionNegotiation(versions: ApiVersion[]) {
  const known = new Set(['v2', ...versions.map((version) => version.id)]);
  return (req: Request, res: Response, next: NextFunction): void => {
    const accept = req.get('accept') ?? '';
    const [path, query = ''] = req.url.split(/\?(.*)/s, 2);
    if (path === '/versions' && req.method === 'GET') {
      res.status(200).json(versionsDocument(req, versions));
      return;
    }
    if (accept.startsWith(MEDIA_TYPE_PREFIX) && known.has(accept.slice(MEDIA_TYPE_PREFIX.length))) {
      req.url = `/v2${path}${query === '' ? '' : `?${query}`}`;
      next();
      return;
    }
    const match = /^\/(v[^/]*)(\/.*)?$/.exec(path);
    if (match !== null && known.has(match[1])) {
      req.url = `/v2${match[2] ?? '/'}${query === '' ? '' : `?${query}`}`;
      next();
      return;
    }
    res.status(300).json(versionsDocument(req, versions));
  };
}
