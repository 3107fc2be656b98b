import { DomainError } from '@iris/domain';
import { NextFunction, Request, Response } from 'express';
import { renderErrorBody } from '../errors/error-body';
import { REASON_PHRASES, STATUS_BY_FAMILY } from '../errors/error-status';
import { HttpError } from '../errors/http-error';
import { Translator } from '../i18n/translator';
import { Logger } from '../logger';

interface ResolvedError {
  status: number;
  key: string;
  params: DomainError['params'];
  headers: Record<string, string>;
}

/** Maps any thrown value to a status, message key and headers. */
export function resolveError(error: unknown): ResolvedError {
  if (error instanceof DomainError) {
    return { status: STATUS_BY_FAMILY[error.family], key: error.key, params: error.params, headers: {} };
  }
  if (error instanceof HttpError) {
    return { status: error.status, key: error.key, params: error.params, headers: error.headers };
  }
  if (error instanceof URIError) {
    // Express could not percent-decode a path parameter such as `%ZZ`. No
    // resource has such a name, so Glance returns 404.
    return { status: 404, key: 'path_not_found', params: {}, headers: {} };
  }
  return { status: 500, key: 'internal_error', params: {}, headers: {} };
}

/** Tells whether the client closed the connection before its request body ended. */
function isClientAbort(error: unknown, req: Request): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !req.complete && (code === 'ECONNRESET' || code === 'ECONNABORTED' || (error as Error)?.message === 'aborted');
}

/** Creates the one error middleware: it translates the message and renders Glance's error body. */
export function errorHandler(translator: Translator, fallbackLogger: Logger) {
  // Express recognises an error middleware by its four parameters.
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const log = (res.locals.log as Logger | undefined) ?? fallbackLogger;
    if (isClientAbort(error, req)) {
      log.info({ method: req.method, path: req.originalUrl }, 'client closed the connection during the request');
      res.destroy();
      return;
    }
    const resolved = resolveError(error);
    if (resolved.status >= 500) {
      log.error({ err: error, status: resolved.status }, 'request failed');
    } else {
      log.debug({ key: resolved.key, status: resolved.status }, 'request rejected');
    }
    if (res.headersSent) {
      // The body was already streaming: the only honest signal left is a cut connection.
      res.destroy();
      return;
    }

    const message = translator.translate(resolved.key, resolved.params, req.get('accept-language'));
    const { contentType, body } = renderErrorBody(resolved.status, message, req.get('accept'));
    res.status(resolved.status);
    const reason = REASON_PHRASES[resolved.status];
    if (reason !== undefined) res.statusMessage = reason;
    for (const [name, value] of Object.entries(resolved.headers)) res.setHeader(name, value);
    if (!req.complete) res.setHeader('Connection', 'close');
    res.setHeader('Content-Type', contentType);
    res.send(body);
  };
}
