import { MessageParams } from '@iris/domain';

/**
 * An error that belongs to the HTTP protocol itself (a malformed body, a
 * wrong media type, an unknown path), not to the domain. It carries its
 * status, a message key and any headers the response needs.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly key: string,
    readonly params: MessageParams = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(key);
    this.name = 'HttpError';
  }
}
