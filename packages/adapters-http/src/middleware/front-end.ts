import { NextFunction, Request, Response } from 'express';

/**
 * Responds to every OPTIONS request with an empty 200, as the CORS
 * middleware in front of Glance does, because it takes each one for a
 * preflight request.
 */
export function answerOptions(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'OPTIONS') {
    next();
    return;
  }
  res.status(200).setHeader('Content-Length', '0');
  res.end();
}

/**
 * Decodes `%2F` in the path before routing. Glance's WSGI server gives its
 * router the decoded path, so `/tags/a%2Fb` is `/tags/a/b` there and matches
 * no route. Express would otherwise match it with the tag `a/b`.
 */
export function decodeEncodedSlashes(req: Request, _res: Response, next: NextFunction): void {
  const queryStart = req.url.indexOf('?');
  const path = queryStart < 0 ? req.url : req.url.slice(0, queryStart);
  if (/%2f/i.test(path)) {
    req.url = path.replace(/%2f/gi, '/') + (queryStart < 0 ? '' : req.url.slice(queryStart));
  }
  next();
}
