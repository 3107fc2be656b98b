import { NextFunction, Request, Response } from 'express';
import { absoluteUrl } from './v2/routing';

export interface ApiVersion {
  id: string;
  status: 'CURRENT' | 'SUPPORTED' | 'DEPRECATED';
}

/**
 * The v2 minor versions this server implements, newest first.
 * NOTE: v2.8 onwards (stores, locations, usage, cache) are not listed
 * because not all of their routes exist yet.
 */
export const V2_VERSIONS: ApiVersion[] = [
  { id: 'v2.7', status: 'CURRENT' },
  ...['v2.6', 'v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0'].map((id) => ({
    id,
    status: 'SUPPORTED' as const,
  })),
];

/**
 * The versions that Glance adds with enabled_backends, newest first, listed
 * before V2_VERSIONS. They make v2.7 SUPPORTED, so the newest is CURRENT.
 * NOTE: v2.9 and v2.11 are listed as Glance lists them, but no change of
 * Glance's behaviour is known for them.
 */
export const MULTI_STORE_VERSIONS: ApiVersion[] = [
  { id: 'v2.13', status: 'CURRENT' },
  ...['v2.12', 'v2.11', 'v2.10', 'v2.9', 'v2.8'].map((id) => ({ id, status: 'SUPPORTED' as const })),
];

/** Returns the v2 versions to list, newest first, with multi-store on or off. */
export function v2VersionsFor(multiStore: boolean): ApiVersion[] {
  if (!multiStore) return V2_VERSIONS;
  const older = V2_VERSIONS.map((version) => ({ ...version, status: 'SUPPORTED' as const }));
  return [...MULTI_STORE_VERSIONS, ...older];
}

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
