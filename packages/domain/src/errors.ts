/**
 * Domain errors. Each carries a stable message key and its parameters, never
 * a finished sentence, so that the HTTP adapter can translate it. The family
 * decides the HTTP status there; the domain itself contains no status codes.
 */
export type ErrorFamily =
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'invalid_input'
  | 'quota_exceeded'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'gone'
  | 'unavailable';

export type MessageParams = Record<string, string | number>;

export abstract class DomainError extends Error {
  abstract readonly family: ErrorFamily;

  constructor(
    readonly key: string,
    readonly params: MessageParams = {},
    options?: ErrorOptions,
  ) {
    super(`${key} ${JSON.stringify(params)}`, options);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  readonly family = 'not_found';
}

export class Forbidden extends DomainError {
  readonly family = 'forbidden';
}

export class Conflict extends DomainError {
  readonly family = 'conflict';
}

export class InvalidInput extends DomainError {
  readonly family = 'invalid_input';
}

export class QuotaExceeded extends DomainError {
  readonly family = 'quota_exceeded';
}

export class UnsupportedMediaType extends DomainError {
  readonly family = 'unsupported_media_type';
}

export class RangeNotSatisfiable extends DomainError {
  readonly family = 'range_not_satisfiable';
}

/** The resource disappeared while the operation ran (an image deleted mid-upload). */
export class Gone extends DomainError {
  readonly family = 'gone';
}

/** A backing service (database, data store) cannot serve the request now. */
export class ServiceUnavailable extends DomainError {
  readonly family = 'unavailable';
}

export class ImageNotFound extends NotFound {
  constructor(id: string) {
    super('image_not_found', { id });
  }
}

export class InvalidStatusTransition extends Conflict {
  constructor(from: string, to: string) {
    super('invalid_status_transition', { from, to });
  }
}

export class ProtectedImageDelete extends Forbidden {
  constructor(id: string) {
    super('protected_image_delete', { id });
  }
}

export class ReadOnlyAttribute extends Forbidden {
  constructor(attribute: string) {
    super('attribute_read_only', { attribute });
  }
}

export class ReservedAttribute extends Forbidden {
  constructor(attribute: string) {
    super('attribute_reserved', { attribute });
  }
}

export class PolicyDenied extends Forbidden {
  constructor(action: string) {
    super('policy_denied', { action });
  }
}
