import { RequestContext } from '@iris/domain';
import { randomUUID } from 'node:crypto';
import { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors/http-error';
import { BoundLogger, Logger } from '../logger';

export const MAX_REQUEST_ID_LENGTH = 64;

/** Builds the caller's context from a request, or throws to refuse it. */
export type AuthStrategy = (req: Request) => Promise<RequestContext> | RequestContext;

/** Values that a handler finds in `res.locals`. */
export interface RequestLocals {
  requestId: string;
  log: Logger;
  context: RequestContext;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/**
 * Takes the client's x-openstack-request-id (adding Glance's `req-` prefix)
 * or mints one, echoes it, and binds a child logger to it.
 */
export function requestId(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-openstack-request-id');
    const id = given === undefined || given === '' ? `req-${randomUUID()}` : withPrefix(given);
    res.setHeader('X-Openstack-Request-Id', id);
    res.locals.requestId = id;
    res.locals.log = new BoundLogger(logger, { request_id: id });
    if (given !== undefined && given.length > MAX_REQUEST_ID_LENGTH) {
      next(new HttpError(431, 'request_id_too_long', { maximum: MAX_REQUEST_ID_LENGTH }));
      return;
    }
    next();
  };
}

function withPrefix(id: string): string {
  return id.startsWith('req-') ? id : `req-${id}`;
}

/** Runs the auth strategy and stores the context for the handlers. */
export function authenticate(strategy: AuthStrategy) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const context = await strategy(req);
    res.locals.context = context;
    res.locals.log = (res.locals.log as Logger).child({
      project_id: context.projectId,
      user_id: context.userId,
    });
    next();
  };
}

/** Logs one line per finished request. */
export function accessLog() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const millis = Number(process.hrtime.bigint() - started) / 1e6;
      locals(res).log.info(
        { method: req.method, path: req.originalUrl, status: res.statusCode, duration_ms: Math.round(millis) },
        'request finished',
      );
    });
    next();
  };
}
