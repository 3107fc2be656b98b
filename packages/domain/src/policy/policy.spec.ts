import { Forbidden, PolicyDenied } from '../errors';
import { makeContext, RequestContext } from '../model/request-context';
import { PolicySyntaxError } from './policy-parser';
import { DEFAULT_POLICY_RULES, Policy, PolicyAction, PolicyTarget } from './policy';

const CALLERS: Record<string, RequestContext> = {
  admin: makeContext({ requestId: 'req-1', projectId: 'project-admin', roles: ['admin'] }),
  ownerMember: makeContext({ requestId: 'req-2', projectId: 'project-owner', roles: ['member'] }),
  ownerReader: makeContext({ requestId: 'req-3', projectId: 'project-owner', roles: ['reader'] }),
  otherMember: makeContext({ requestId: 'req-4', projectId: 'project-other', roles: ['member'] }),
  otherReader: makeContext({ requestId: 'req-5', projectId: 'project-other', roles: ['reader'] }),
  noRoles: makeContext({ requestId: 'req-6', projectId: 'project-owner', roles: [] }),
};

const TARGETS: Record<string, PolicyTarget> = {
  private: { owner: 'project-owner', visibility: 'private', callerIsMember: false },
  shared: { owner: 'project-owner', visibility: 'shared', callerIsMember: false },
  sharedWithCaller: { owner: 'project-owner', visibility: 'shared', callerIsMember: true },
  public: { owner: 'project-owner', visibility: 'public', callerIsMember: false },
  community: { owner: 'project-owner', visibility: 'community', callerIsMember: false },
  /** A membership left behind on an image made private: it no longer counts. */
  privateWithMember: { owner: 'project-owner', visibility: 'private', callerIsMember: true },
};

const policy = new Policy();

/** Expected results for admin, owner member, owner reader, other member and other reader, in that order. */
const MATRIX: [PolicyAction, string, boolean, boolean, boolean, boolean, boolean][] = [
  ['add_image', 'shared', true, true, false, false, false],
  ['modify_image', 'private', true, true, false, false, false],
  ['modify_image', 'public', true, true, false, false, false],
  ['modify_image', 'sharedWithCaller', true, true, false, false, false],
  ['delete_image', 'private', true, true, false, false, false],
  ['upload_image', 'private', true, true, false, false, false],
  ['deactivate', 'public', true, true, false, false, false],
  ['reactivate', 'public', true, true, false, false, false],
  ['publicize_image', 'private', true, false, false, false, false],
  ['communitize_image', 'private', true, true, false, false, false],
  ['get_image', 'private', true, true, true, false, false],
  ['get_image', 'privateWithMember', true, true, true, false, false],
  ['get_image', 'shared', true, true, true, true, true],
  ['get_image', 'sharedWithCaller', true, true, true, true, true],
  ['get_image', 'public', true, true, true, true, true],
  ['get_image', 'community', true, true, true, true, true],
  ['download_image', 'private', true, true, false, false, false],
  ['download_image', 'public', true, true, false, true, false],
  ['download_image', 'sharedWithCaller', true, true, false, true, false],
  ['add_member', 'shared', true, true, false, false, false],
  ['delete_member', 'sharedWithCaller', true, true, false, false, false],
  ['get_members', 'shared', true, true, true, false, false],
  ['get_members', 'sharedWithCaller', true, true, true, true, true],
  ['get_member', 'sharedWithCaller', true, true, true, true, true],
  ['modify_member', 'shared', true, false, false, false, false],
  ['modify_member', 'sharedWithCaller', true, false, false, true, false],
];

const MATRIX_CALLERS = ['admin', 'ownerMember', 'ownerReader', 'otherMember', 'otherReader'];
const CASES = MATRIX.flatMap(([action, target, ...expected]) =>
  MATRIX_CALLERS.map((caller, i) => [action, target, caller, expected[i]] as const),
);

describe('default policy', () => {
  it.each(CASES)('%s on %s image by %s: %s', (action, target, caller, expected) => {
    expect(policy.allows(action, CALLERS[caller], TARGETS[target])).toBe(expected);
  });

  it('listing needs a role', () => {
    expect(policy.allows('get_images', CALLERS.noRoles)).toBe(false);
    expect(policy.allows('get_images', CALLERS.ownerReader)).toBe(true);
    expect(policy.allows('get_images', CALLERS.otherReader)).toBe(true);
  });

  it('listing needs a project', () => {
    const ctx = makeContext({ requestId: 'req-7', projectId: null, roles: ['reader'] });
    expect(policy.allows('get_images', ctx)).toBe(false);
  });

  it('null project owns nothing', () => {
    const ctx = makeContext({ requestId: 'req-7', projectId: null, roles: ['member'] });
    expect(policy.allows('add_image', ctx, { owner: null })).toBe(false);
    expect(policy.allows('modify_image', ctx, { owner: null, visibility: 'private' })).toBe(false);
    expect(policy.allows('modify_member', ctx, { owner: null, visibility: 'shared', callerIsMember: true })).toBe(false);
  });

  it('create checks the proposed owner', () => {
    expect(policy.allows('add_image', CALLERS.ownerMember, { owner: 'project-other' })).toBe(false);
    expect(policy.allows('add_image', CALLERS.ownerMember, {})).toBe(true);
  });

  it('context_is_admin follows admin role', () => {
    expect(policy.allows('context_is_admin', CALLERS.admin)).toBe(true);
    expect(policy.allows('context_is_admin', CALLERS.ownerMember)).toBe(false);
  });

  it('every default rule parses', () => {
    expect(Object.keys(DEFAULT_POLICY_RULES)).toContain('get_image');
    expect(() => new Policy()).not.toThrow();
  });
});

describe('Policy.enforce', () => {
  it('denial names the action', () => {
    let caught: unknown;
    try {
      policy.enforce('publicize_image', CALLERS.ownerMember, TARGETS.private);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyDenied);
    expect(caught).toBeInstanceOf(Forbidden);
    expect((caught as PolicyDenied).params).toEqual({ action: 'publicize_image' });
  });

  it('allowed action returns quietly', () => {
    expect(() => policy.enforce('publicize_image', CALLERS.admin, TARGETS.private)).not.toThrow();
  });
});

describe('policy overrides', () => {
  it('override replaces one rule', () => {
    const custom = new Policy({ publicize_image: 'role:member' });
    expect(custom.allows('publicize_image', CALLERS.ownerMember, TARGETS.private)).toBe(true);
    expect(custom.allows('publicize_image', CALLERS.ownerReader, TARGETS.private)).toBe(false);
    expect(custom.allows('add_image', CALLERS.ownerReader, TARGETS.shared)).toBe(false);
    expect(custom.allows('add_image', CALLERS.ownerMember, TARGETS.shared)).toBe(true);
  });

  it('owner expression from a file', () => {
    const custom = new Policy({ modify_image: 'role:admin or (role:member and project_id:%(owner)s)' });
    expect(custom.allows('modify_image', CALLERS.ownerMember, TARGETS.public)).toBe(true);
    expect(custom.allows('modify_image', CALLERS.otherMember, TARGETS.public)).toBe(false);
  });

  it('helper rule through rule:', () => {
    const custom = new Policy({ image_admins: 'role:image-admin', delete_image: 'rule:image_admins' });
    const imageAdmin = makeContext({ requestId: 'req-8', projectId: 'project-x', roles: ['image-admin'] });
    expect(custom.allows('delete_image', imageAdmin, TARGETS.private)).toBe(true);
    expect(custom.allows('delete_image', CALLERS.admin, TARGETS.private)).toBe(false);
  });

  it('rule:default reaches the default rule', () => {
    const custom = new Policy({ default: 'role:admin', get_images: 'rule:default' });
    expect(custom.allows('get_images', CALLERS.admin)).toBe(true);
    expect(custom.allows('get_images', CALLERS.ownerReader)).toBe(false);
  });

  it('@ allows and ! denies', () => {
    const custom = new Policy({ publicize_image: '@', get_images: '!' });
    expect(custom.allows('publicize_image', CALLERS.ownerReader, TARGETS.private)).toBe(true);
    expect(custom.allows('get_images', CALLERS.admin)).toBe(false);
  });

  it('is_admin:True reads the admin flag', () => {
    const custom = new Policy({ delete_image: 'is_admin:True' });
    expect(custom.allows('delete_image', CALLERS.admin, TARGETS.private)).toBe(true);
    expect(custom.allows('delete_image', CALLERS.ownerMember, TARGETS.private)).toBe(false);
  });

  it('list form overrides a rule', () => {
    const custom = new Policy({ delete_image: [['role:member', 'project_id:%(owner)s'], ['role:admin']] });
    expect(custom.allows('delete_image', CALLERS.ownerMember, TARGETS.private)).toBe(true);
    expect(custom.allows('delete_image', CALLERS.otherMember, TARGETS.private)).toBe(false);
    expect(custom.allows('delete_image', CALLERS.admin, TARGETS.private)).toBe(true);
  });

  it('context_is_admin override sets the flag', () => {
    const custom = new Policy({ context_is_admin: 'role:cloud-admin' });
    const cloudAdmin = makeContext({ requestId: 'req-9', projectId: 'p', roles: ['cloud-admin'] });
    expect(custom.withAdminFlag(cloudAdmin).isAdmin).toBe(true);
    expect(custom.withAdminFlag(CALLERS.admin).isAdmin).toBe(false);
    expect(new Policy().withAdminFlag(CALLERS.admin).isAdmin).toBe(true);
  });

  it('syntax error rejects the policy', () => {
    expect(() => new Policy({ get_image: 'role:admin or' })).toThrow(PolicySyntaxError);
  });

  it('rule cycle rejects the policy', () => {
    expect(() => new Policy({ a: 'rule:b', b: 'rule:a' })).toThrow(/cycle: a -> b -> a/);
    expect(() => new Policy({ get_image: 'rule:get_image' })).toThrow(PolicySyntaxError);
  });

  it('unknown rule reference denies', () => {
    const custom = new Policy({ get_images: 'rule:nowhere' });
    expect(custom.allows('get_images', CALLERS.admin)).toBe(false);
  });
});
