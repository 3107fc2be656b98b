/** The identity behind a valid token, as the identity service states it. */
export interface TokenIdentity {
  userId: string;
  userDomainId: string | null;
  /** Null for a token that is not scoped to a project. */
  projectId: string | null;
  projectDomainId: string | null;
  /** Role names as the identity service spells them. */
  roles: string[];
  expiresAt: Date;
}

/**
 * Validation of the tokens that clients send (Keystone's X-Auth-Token).
 * `validate` returns null for a token that is unknown, expired or revoked,
 * and throws ServiceUnavailable when the identity service cannot be reached
 * or fails. An implementation may cache results for a bounded time, so a
 * revoked token can stay valid for up to that time.
 */
export interface TokenValidator {
  validate(token: string): Promise<TokenIdentity | null>;
}

export const TokenValidator = Symbol('TokenValidator');
