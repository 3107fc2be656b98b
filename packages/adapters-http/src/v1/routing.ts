import { Request, RequestHandler, Router } from 'express';
import { HttpError } from '../errors/http-error';

type V1Method = 'get' | 'head' | 'post' | 'put' | 'delete';

/**
 * Registers the handlers of one v1 path and rejects every other method
 * with 405 and the Allow header that Glance's v1 router sends for it. A
 * path without a HEAD handler rejects HEAD too, rather than letting Express
 * serve it with the GET handler.
 */
export function v1Route(
  router: Router,
  path: string,
  allow: string,
  handlers: Partial<Record<V1Method, RequestHandler>>,
): void {
  const notAllowed = (req: Request): void => {
    throw new HttpError(
      405,
      'method_not_allowed',
      { method: req.method },
      { Allow: allow },
    );
  };
  const chain = router.route(path);
  chain.head(handlers.head ?? notAllowed);
  for (const [method, handler] of Object.entries(handlers) as [
    V1Method,
    RequestHandler,
  ][]) {
    if (method !== 'head') chain[method](handler);
  }
  chain.all(notAllowed);
}
