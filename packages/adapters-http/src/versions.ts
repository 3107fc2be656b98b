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

/** The v1 versions, listed after v2's while v1 is enabled, as in Glance Queens. */
export const V1_VERSIONS: ApiVersion[] = [
  { id: 'v1.1', status: 'DEPRECATED' },
  { id: 'v1.0', status: 'DEPRECATED' },
];

/** Path prefix of the API that serves a version: `/v1` for v1 and v1.N, `/v2` for the rest. */
function apiPrefix(id: string): string {
  return id === 'v1' || id.startsWith('v1.') ? '/v1' : '/v2';
}

export function versionsDocument(req: Request, versions: ApiVersion[]): object {
  return {
    versions: versions.map((version) => ({
      id: version.id,
      status: version.status,
      links: [{ rel: 'self', href: absoluteUrl(req, `${apiPrefix(version.id)}/`) }],
    })),
  };
}

const MEDIA_TYPE_PREFIX = 'application/vnd.openstack.images-';

/**
 * Glance's version negotiation: `/v2.N/...` for a listed minor version (or
 * an Accept header naming one) is served as `/v2/...`, and `/v1.N/...` as
 * `/v1/...` while v1 versions are listed. `/versions` lists the versions,
 * and any other unversioned or unknown-version path gets the list with 300
 * Multiple Choices.
 */
export function versionNegotiation(versions: ApiVersion[]) {
  // Each accepted version segment, with the prefix of the API that serves it.
  const ids = ['v2', ...versions.map((version) => version.id)];
  if (ids.some((id) => apiPrefix(id) === '/v1')) ids.push('v1');
  const known = new Map(ids.map((id) => [id, apiPrefix(id)]));
  return (req: Request, res: Response, next: NextFunction): void => {
    const accept = req.get('accept') ?? '';
    const [path, query = ''] = req.url.split(/\?(.*)/s, 2);
    // Glance lists the versions for any method on this path, not only GET.
    if (path === '/versions' || path === '/versions/') {
      res.status(200).json(versionsDocument(req, versions));
      return;
    }
    const accepted = accept.startsWith(MEDIA_TYPE_PREFIX)
      ? known.get(accept.slice(MEDIA_TYPE_PREFIX.length))
      : undefined;
    if (accepted !== undefined) {
      req.url = `${accepted}${path}${query === '' ? '' : `?${query}`}`;
      next();
      return;
    }
    const match = /^\/(v[^/]*)(\/.*)?$/.exec(path);
    const prefix = match === null ? undefined : known.get(match[1]);
    if (prefix !== undefined && match?.[2] === undefined) {
      // Glance redirects a bare `/v2` (or `/v2.N`, `/v1`) to `/v2/` (`/v1/`), dropping any query.
      res.status(302).setHeader('Location', absoluteUrl(req, `${prefix}/`));
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    if (prefix !== undefined) {
      req.url = `${prefix}${match?.[2] ?? '/'}${query === '' ? '' : `?${query}`}`;
      next();
      return;
    }
    res.status(300).json(versionsDocument(req, versions));
  };
}
