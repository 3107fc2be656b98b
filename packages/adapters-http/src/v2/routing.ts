import { Request, RequestHandler, Response, Router } from 'express';
import { HttpError } from '../errors/http-error';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The order in which Glance lists methods in an Allow header. */
const METHOD_ORDER: readonly Method[] = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Registers the handlers of one path and rejects every other method with
 * 405 and an Allow header, as Glance's router does. That includes HEAD,
 * because Glance serves no HEAD route and Express would otherwise run the
 * GET handler for it.
 */
export function route(router: Router, path: string, handlers: Partial<Record<Method, RequestHandler>>): void {
  const allowed = METHOD_ORDER.filter((method) => method in handlers).map((method) => method.toUpperCase());
  const notAllowed = (req: Request, _res: Response): void => {
    const headers = { Allow: allowed.join(', ') };
    throw new HttpError(405, 'method_not_allowed', { method: req.method }, headers);
  };
  const chain = router.route(path);
  chain.head(notAllowed);
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler][]) {
    chain[method](handler);
  }
  chain.all(notAllowed);
}

/** Makes a path absolute against the URL the client used. */
export function absoluteUrl(req: Request, path: string): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${path}`;
}

/** Returns a named path parameter as one string. */
export function param(req: Request, name: string): string {
  const value = req.params[name] as string | string[] | undefined;
  return Array.isArray(value) ? value.join('/') : (value ?? '');
}
