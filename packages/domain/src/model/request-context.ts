/** Identity of the caller, as the authentication middleware established it. */
export interface RequestContext {
  requestId: string;
  userId: string | null;
  projectId: string | null;
  /** Keystone domain of the user, when the token names it. */
  userDomainId: string | null;
  /** Keystone domain of the project, when the token names it. */
  projectDomainId: string | null;
  /** Lower-cased role names, with Keystone's default implied roles added. */
  roles: readonly string[];
  isAdmin: boolean;
}

/**
 * Adds the roles that Keystone's default role hierarchy implies
 * (admin implies member, member implies reader), lower-cased.
 */
export function expandRoles(roles: readonly string[]): string[] {
  const result = new Set(roles.map((role) => role.trim().toLowerCase()).filter(Boolean));
  if (result.has('admin')) result.add('member');
  if (result.has('member')) result.add('reader');
  return [...result];
}

export function makeContext(fields: {
  requestId: string;
  userId?: string | null;
  projectId?: string | null;
  userDomainId?: string | null;
  projectDomainId?: string | null;
  roles?: readonly string[];
}): RequestContext {
  const roles = expandRoles(fields.roles ?? []);
  return {
    requestId: fields.requestId,
    userId: fields.userId ?? null,
    projectId: fields.projectId ?? null,
    userDomainId: fields.userDomainId ?? null,
    projectDomainId: fields.projectDomainId ?? null,
    roles,
    isAdmin: roles.includes('admin'),
  };
}
