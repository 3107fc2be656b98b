import { Forbidden, PolicyDenied } from '../errors';
import { makeContext, RequestContext } from '../model/request-context';
import { Policy, PolicyAction, PolicyTarget } from './policy';

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
  public: { owner: 'project-owner', visibility: 'public', callerIsMember: false },
  /** A member call that names project-other. */
  otherMembership: { owner: 'project-owner', visibility: 'shared', memberId: 'project-other' },
};

const policy = new Policy();

/** Expected results for admin, owner member, owner reader and other member, in that order. */
const MATRIX: [PolicyAction, string, boolean, boolean, boolean, boolean][] = [
  ['add_image', 'shared', true, true, false, false],
  ['modify_image', 'private', true, true, false, false],
  ['modify_image', 'public', true, true, false, false],
  ['delete_image', 'private', true, true, false, false],
  ['publicize_image', 'private', true, false, false, false],
  ['communitize_image', 'private', true, true, false, false],
  ['get_image', 'private', true, true, true, false],
  ['get_image', 'shared', true, true, true, true],
  ['get_image', 'public', true, true, true, true],
  ['download_image', 'private', true, true, false, false],
  ['download_image', 'public', true, true, false, true],
  ['modify_member', 'otherMembership', true, false, false, true],
  ['add_member', 'shared', true, true, false, false],
  ['get_members', 'shared', true, true, true, false],
  ['get_members', 'otherMembership', true, true, true, true],
];

const MATRIX_CALLERS = ['admin', 'ownerMember', 'ownerReader', 'otherMember'];
const CASES = MATRIX.flatMap(([action, target, ...expected]) =>
  MATRIX_CALLERS.map((caller, i) => [action, target, caller, expected[i]] as const),
);

describe('default policy', () => {
  it.each(CASES)('%s on %s image by %s: %s', (action, target, caller, expected) => {
    expect(policy.allows(action, CALLERS[caller], TARGETS[target])).toBe(expected);
  });

  it('member flag makes private readable', () => {
    const target = { ...TARGETS.private, callerIsMember: true };
    expect(policy.allows('get_image', CALLERS.otherReader, target)).toBe(true);
    expect(policy.allows('download_image', CALLERS.otherMember, target)).toBe(true);
    expect(policy.allows('download_image', CALLERS.otherReader, target)).toBe(false);
  });

  it('reader cannot modify membership', () => {
    expect(policy.allows('modify_member', CALLERS.otherReader, TARGETS.otherMembership)).toBe(false);
  });

  it('no roles denies listing', () => {
    expect(policy.allows('get_images', CALLERS.noRoles)).toBe(false);
    expect(policy.allows('get_images', CALLERS.ownerReader)).toBe(true);
  });

  it('null project owns nothing', () => {
    const ctx = makeContext({ requestId: 'req-7', projectId: null, roles: ['member'] });
    expect(policy.allows('add_image', ctx, { owner: null })).toBe(false);
    expect(policy.allows('modify_member', ctx, { memberId: undefined })).toBe(false);
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

  it('override replaces one rule', () => {
    const custom = new Policy({ publicize_image: (ctx) => ctx.roles.includes('member') });
    const action: PolicyAction = 'publicize_image';
    expect(custom.allows(action, CALLERS.ownerMember, TARGETS.private)).toBe(true);
    expect(custom.allows(action, CALLERS.ownerReader, TARGETS.private)).toBe(false);
    expect(custom.allows('add_image', CALLERS.ownerReader, TARGETS.shared)).toBe(false);
  });
});
