import { makeContext, RequestContext } from '@iris/domain';
import { Request } from 'express';
import { AuthStrategy } from './request-context';

/**
 * Trusts the identity headers that Keystone's middleware would pass on
 * (X-Project-Id, X-User-Id, X-Roles). A request with none of them acts as an
 * administrator without a project, like Glance without authentication.
 */
export const noauthStrategy: AuthStrategy = (req: Request): RequestContext => {
  const requestId = String((req.res?.locals.requestId as string | undefined) ?? '');
  const projectId = req.get('x-project-id') ?? req.get('x-tenant-id');
  const userId = req.get('x-user-id');
  const roles = req.get('x-roles');

  if (projectId === undefined && userId === undefined && roles === undefined) {
    return makeContext({ requestId, roles: ['admin'] });
  }
  return makeContext({
    requestId,
    projectId: projectId ?? null,
    userId: userId ?? null,
    roles: roles === undefined ? [] : roles.split(','),
  });
};
