import { PolicyDenied } from '../errors';
import { RequestContext } from '../model/request-context';
import { evaluateCheck, PolicyAttributes, PolicyCheck, referencedRules } from './policy-check';
import { parsePolicyRule, PolicyRuleSource, PolicySyntaxError } from './policy-parser';

/** Attributes of the resource that a rule may check, besides the caller. */
export interface PolicyTarget {
  /**
   * Owner project of the image. When it is left out, the target is an image
   * still to be created or no image at all (a listing), and the caller's
   * project is used.
   */
  owner?: string | null;
  visibility?: string;
  /** The caller's project is a member of the image (any member status). */
  callerIsMember?: boolean;
}

const OWNER = 'project_id:%(project_id)s';
const ADMIN_OR_PROJECT_MEMBER = `role:admin or (role:member and ${OWNER})`;
const ADMIN_OR_PROJECT_READER = `role:admin or (role:reader and ${OWNER})`;
const READABLE =
  `(${OWNER} or project_id:%(member_id)s or 'community':%(visibility)s` +
  ` or 'public':%(visibility)s or 'shared':%(visibility)s)`;

/**
 * Glance 25's default (secure RBAC) rules for the actions Iris serves, in
 * oslo.policy's syntax, from glance/policies/base.py and image.py. In a target,
 * project_id and owner are the image's owner, and member_id is the caller's
 * project when it is a member of a shared image (as Glance sets it).
 */
export const DEFAULT_POLICY_RULES = {
  default: '',
  context_is_admin: 'role:admin',
  add_image: `role:admin or (role:member and ${OWNER} and project_id:%(owner)s)`,
  get_images: ADMIN_OR_PROJECT_READER,
  get_image: `role:admin or (role:reader and ${READABLE})`,
  modify_image: ADMIN_OR_PROJECT_MEMBER,
  delete_image: ADMIN_OR_PROJECT_MEMBER,
  upload_image: ADMIN_OR_PROJECT_MEMBER,
  download_image: `role:admin or (role:member and ${READABLE})`,
  deactivate: ADMIN_OR_PROJECT_MEMBER,
  reactivate: ADMIN_OR_PROJECT_MEMBER,
  publicize_image: 'role:admin',
  communitize_image: ADMIN_OR_PROJECT_MEMBER,
  add_member: ADMIN_OR_PROJECT_MEMBER,
  delete_member: ADMIN_OR_PROJECT_MEMBER,
  // Glance writes these two without brackets, which is the same because `and` binds tighter than `or`.
  get_member: `role:admin or role:reader and (${OWNER} or project_id:%(member_id)s)`,
  get_members: `role:admin or role:reader and (${OWNER} or project_id:%(member_id)s)`,
  modify_member: 'role:admin or (role:member and project_id:%(member_id)s)',
  copy_image: 'role:admin',
  get_image_location: 'role:admin or role:service',
  delete_image_location: 'role:admin',
  tasks_api_access: 'role:admin',
  stores_info_detail: 'role:admin or role:service',
} as const satisfies Record<string, string>;

export type PolicyAction = keyof typeof DEFAULT_POLICY_RULES;

/** Returns the caller as oslo.policy credentials, with the names that Glance's context uses. */
function credentialsOf(ctx: RequestContext): PolicyAttributes {
  return {
    user_id: ctx.userId,
    user: ctx.userId,
    project_id: ctx.projectId,
    tenant: ctx.projectId,
    user_domain_id: ctx.userDomainId,
    project_domain_id: ctx.projectDomainId,
    roles: ctx.roles,
    is_admin: ctx.isAdmin,
  };
}

function attributesOf(ctx: RequestContext, target: PolicyTarget): PolicyAttributes {
  const owner = target.owner === undefined ? ctx.projectId : target.owner;
  const visibility = target.visibility ?? 'private';
  const isMember = target.callerIsMember === true && visibility === 'shared' && owner !== ctx.projectId;
  return {
    project_id: owner,
    owner,
    visibility,
    member_id: isMember ? ctx.projectId : null,
  };
}

/**
 * The one policy engine: Glance's default rules, of which a policy file may
 * replace single ones or add helper rules for `rule:NAME` to use.
 */
export class Policy {
  private readonly rules = new Map<string, PolicyCheck>();

  /**
   * Parses the defaults and the overrides. Throws PolicySyntaxError on a rule
   * that does not parse, or on rules that refer to each other in a cycle.
   */
  constructor(overrides: Readonly<Record<string, PolicyRuleSource>> = {}) {
    for (const [name, rule] of Object.entries({ ...DEFAULT_POLICY_RULES, ...overrides })) {
      this.rules.set(name, parsePolicyRule(rule));
    }
    this.rejectCycles();
  }

  allows(action: PolicyAction, ctx: RequestContext, target: PolicyTarget = {}): boolean {
    return evaluateCheck(this.rules.get(action) ?? { kind: 'never' }, {
      credentials: credentialsOf(ctx),
      target: attributesOf(ctx, target),
      ruleNamed: (name) => this.rules.get(name),
    });
  }

  enforce(action: PolicyAction, ctx: RequestContext, target: PolicyTarget = {}): void {
    if (!this.allows(action, ctx, target)) {
      throw new PolicyDenied(action);
    }
  }

  /** Applies context_is_admin, as Glance does to set a request's is_admin. */
  withAdminFlag(ctx: RequestContext): RequestContext {
    return { ...ctx, isAdmin: this.allows('context_is_admin', ctx) };
  }

  private rejectCycles(): void {
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (path.includes(name)) {
        const cycle = [...path, name].join(' -> ');
        throw new PolicySyntaxError(`rule:${name}`, `rules refer to each other in a cycle: ${cycle}`);
      }
      const check = this.rules.get(name);
      if (done.has(name) || check === undefined) return;
      for (const next of referencedRules(check)) visit(next, [...path, name]);
      done.add(name);
    };
    for (const name of this.rules.keys()) visit(name, []);
  }
}
