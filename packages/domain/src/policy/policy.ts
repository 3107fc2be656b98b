import { PolicyDenied } from '../errors';
import { RequestContext } from '../model/request-context';

/** What a rule may look at besides the caller. */
export interface PolicyTarget {
  owner?: string | null;
  visibility?: string;
  /** The caller's project is a member of the image (any member status). */
  callerIsMember?: boolean;
  /** The member id that a member call names. */
  memberId?: string;
}

export type PolicyRule = (ctx: RequestContext, target: PolicyTarget) => boolean;

const isAdmin: PolicyRule = (ctx) => ctx.isAdmin;
const hasRole = (role: string): PolicyRule => (ctx) => ctx.roles.includes(role);
const ownsTarget: PolicyRule = (ctx, target) =>
  ctx.projectId !== null && target.owner === ctx.projectId;

const any =
  (...rules: PolicyRule[]): PolicyRule =>
  (ctx, target) =>
    rules.some((rule) => rule(ctx, target));
const all =
  (...rules: PolicyRule[]): PolicyRule =>
  (ctx, target) =>
    rules.every((rule) => rule(ctx, target));

const imageReadable: PolicyRule = (ctx, target) =>
  ownsTarget(ctx, target) ||
  target.callerIsMember === true ||
  target.visibility === 'community' ||
  target.visibility === 'public' ||
  target.visibility === 'shared';

const ownerMember = any(isAdmin, all(hasRole('member'), ownsTarget));
const projectReader = any(isAdmin, all(hasRole('reader'), ownsTarget));
const callerIsTheMember: PolicyRule = (ctx, target) =>
  ctx.projectId !== null && target.memberId === ctx.projectId;

/** Glance 25's default (secure RBAC) rules for the image API. */
export const DEFAULT_POLICY_RULES = {
  add_image: ownerMember,
  get_images: any(isAdmin, hasRole('reader')),
  get_image: any(isAdmin, all(hasRole('reader'), imageReadable)),
  modify_image: ownerMember,
  delete_image: ownerMember,
  upload_image: ownerMember,
  download_image: any(isAdmin, all(hasRole('member'), imageReadable)),
  deactivate: ownerMember,
  reactivate: ownerMember,
  publicize_image: isAdmin,
  communitize_image: ownerMember,
  add_member: ownerMember,
  delete_member: ownerMember,
  get_member: any(projectReader, all(hasRole('reader'), callerIsTheMember)),
  get_members: any(projectReader, all(hasRole('reader'), callerIsTheMember)),
  modify_member: any(isAdmin, all(hasRole('member'), callerIsTheMember)),
} satisfies Record<string, PolicyRule>;

export type PolicyAction = keyof typeof DEFAULT_POLICY_RULES;

/** Evaluates named rules; a rule table may replace single defaults. */
export class Policy {
  private readonly rules: Record<PolicyAction, PolicyRule>;

  constructor(overrides: Partial<Record<PolicyAction, PolicyRule>> = {}) {
    this.rules = { ...DEFAULT_POLICY_RULES, ...overrides };
  }

  allows(action: PolicyAction, ctx: RequestContext, target: PolicyTarget = {}): boolean {
    return this.rules[action](ctx, target);
  }

  enforce(action: PolicyAction, ctx: RequestContext, target: PolicyTarget = {}): void {
    if (!this.allows(action, ctx, target)) {
      throw new PolicyDenied(action);
    }
  }
}
