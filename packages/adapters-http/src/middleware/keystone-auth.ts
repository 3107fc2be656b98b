import { makeContext, TokenValidator } from '@iris/domain';
import { Request } from 'express';
import { HttpError } from '../errors/http-error';
import { AuthStrategy } from './request-context';

/**
 * Authenticates each request by its X-Auth-Token with Keystone, as
 * keystonemiddleware does in front of Glance. A missing or invalid token gets
 * 401 with a WWW-Authenticate header that names Keystone. An unreachable
 * Keystone gets 503, because the validator throws ServiceUnavailable.
 */
export function keystoneStrategy(validator: TokenValidator, keystoneUrl: string): AuthStrategy {
  const challenge = { 'WWW-Authenticate': `Keystone uri="${keystoneUrl}"` };
  return async (req: Request) => {
    const token = req.get('x-auth-token')?.trim();
    if (token === undefined || token === '') {
      throw new HttpError(401, 'authentication_required', {}, challenge);
    }
    const identity = await validator.validate(token);
    if (identity === null) throw new HttpError(401, 'token_invalid', {}, challenge);

    return makeContext({
      requestId: String((req.res?.locals.requestId as string | undefined) ?? ''),
      userId: identity.userId,
      userDomainId: identity.userDomainId,
      projectId: identity.projectId,
      projectDomainId: identity.projectDomainId,
      roles: identity.roles,
    });
  };
}
