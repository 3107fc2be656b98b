import { evaluateCheck, PolicyAttributes, PolicyCheck, PolicyEnvironment } from './policy-check';
import { parsePolicyRule, PolicySyntaxError } from './policy-parser';

const ROLE_ADMIN: PolicyCheck = { kind: 'role', role: 'admin' };
const ROLE_MEMBER: PolicyCheck = { kind: 'role', role: 'member' };
const OWNER: PolicyCheck = { kind: 'generic', left: 'project_id', right: '%(project_id)s' };

describe('parsePolicyRule', () => {
  it.each([
    ['', { kind: 'always' }],
    ['   ', { kind: 'always' }],
    ['@', { kind: 'always' }],
    ['!', { kind: 'never' }],
    ['role:admin', ROLE_ADMIN],
    ['rule:default', { kind: 'rule', name: 'default' }],
    ['project_id:%(project_id)s', OWNER],
    ["'public':%(visibility)s", { kind: 'generic', left: "'public'", right: '%(visibility)s' }],
    ['is_admin:True', { kind: 'generic', left: 'is_admin', right: 'True' }],
    ['role:admin or role:member', { kind: 'or', checks: [ROLE_ADMIN, ROLE_MEMBER] }],
    ['role:admin OR role:member', { kind: 'or', checks: [ROLE_ADMIN, ROLE_MEMBER] }],
    ['role:member and project_id:%(project_id)s', { kind: 'and', checks: [ROLE_MEMBER, OWNER] }],
    ['not role:admin', { kind: 'not', check: ROLE_ADMIN }],
    ['((role:admin))', ROLE_ADMIN],
  ])('parses %j', (rule, expected) => {
    expect(parsePolicyRule(rule)).toEqual(expected);
  });

  it('and binds tighter than or', () => {
    expect(parsePolicyRule('role:admin or role:member and project_id:%(project_id)s')).toEqual({
      kind: 'or',
      checks: [ROLE_ADMIN, { kind: 'and', checks: [ROLE_MEMBER, OWNER] }],
    });
  });

  it('brackets group before and', () => {
    expect(parsePolicyRule('(role:admin or role:member) and project_id:%(project_id)s')).toEqual({
      kind: 'and',
      checks: [{ kind: 'or', checks: [ROLE_ADMIN, ROLE_MEMBER] }, OWNER],
    });
  });

  it('not binds tighter than and', () => {
    expect(parsePolicyRule('not role:admin and role:member')).toEqual({
      kind: 'and',
      checks: [{ kind: 'not', check: ROLE_ADMIN }, ROLE_MEMBER],
    });
  });

  it('brackets next to words', () => {
    expect(parsePolicyRule('role:admin or (role:member and project_id:%(project_id)s)')).toEqual({
      kind: 'or',
      checks: [ROLE_ADMIN, { kind: 'and', checks: [ROLE_MEMBER, OWNER] }],
    });
  });

  it.each([
    ['role:admin or'],
    ['or role:admin'],
    ['(role:admin'],
    ['role:admin)'],
    ['role:admin role:member'],
    ['admin'],
    [':admin'],
    ['not'],
    ['()'],
    ['http://example.test/check'],
  ])('rejects %j', (rule) => {
    expect(() => parsePolicyRule(rule)).toThrow(PolicySyntaxError);
  });

  it('error names the rule', () => {
    expect(() => parsePolicyRule('role:admin or')).toThrow('Invalid policy rule "role:admin or"');
  });

  it.each([
    [[], { kind: 'always' }],
    [[[]], { kind: 'never' }],
    [[['role:admin']], ROLE_ADMIN],
    [['role:admin'], ROLE_ADMIN],
    [[['role:member', 'project_id:%(project_id)s'], ['role:admin']], {
      kind: 'or',
      checks: [{ kind: 'and', checks: [ROLE_MEMBER, OWNER] }, ROLE_ADMIN],
    }],
  ])('parses list form %j', (rule, expected) => {
    expect(parsePolicyRule(rule as string[][])).toEqual(expected);
  });

  it('rejects a malformed list', () => {
    expect(() => parsePolicyRule([[42 as unknown as string]])).toThrow(PolicySyntaxError);
  });
});

function environment(credentials: PolicyAttributes, target: PolicyAttributes = {}): PolicyEnvironment {
  const rules: Record<string, PolicyCheck> = { yes: { kind: 'always' } };
  return { credentials, target, ruleNamed: (name) => rules[name] };
}

function check(rule: string, env: PolicyEnvironment): boolean {
  return evaluateCheck(parsePolicyRule(rule), env);
}

describe('evaluateCheck', () => {
  const member = environment(
    { project_id: 'p1', user_id: 'u1', roles: ['Member', 'reader'], is_admin: false, tags: ['a', 'b'] },
    { project_id: 'p1', owner: 'p1', visibility: 'shared', member_id: null, role_name: 'member' },
  );

  it('role comparison ignores case', () => {
    expect(check('role:member', member)).toBe(true);
    expect(check('role:MEMBER', member)).toBe(true);
    expect(check('role:admin', member)).toBe(false);
  });

  it('role name from the target', () => {
    expect(check('role:%(role_name)s', member)).toBe(true);
  });

  it('credential equals target value', () => {
    expect(check('project_id:%(owner)s', member)).toBe(true);
    expect(check('user_id:%(owner)s', member)).toBe(false);
  });

  it('literal on the left', () => {
    expect(check("'shared':%(visibility)s", member)).toBe(true);
    expect(check('"public":%(visibility)s', member)).toBe(false);
  });

  it('constant on the right', () => {
    expect(check('project_id:p1', member)).toBe(true);
    expect(check('is_admin:False', member)).toBe(true);
    expect(check('is_admin:True', member)).toBe(false);
  });

  it('list credential matches any item', () => {
    expect(check('tags:b', member)).toBe(true);
    expect(check('tags:c', member)).toBe(false);
  });

  it('null target value never matches', () => {
    const nobody = environment({ project_id: null, roles: [] }, { member_id: null });
    expect(check('project_id:%(member_id)s', member)).toBe(false);
    expect(check('project_id:%(member_id)s', nobody)).toBe(false);
  });

  it('missing target key fails', () => {
    expect(check('project_id:%(nothing)s', member)).toBe(false);
  });

  it('missing credential fails', () => {
    expect(check('domain_id:%(owner)s', member)).toBe(false);
  });

  it('escaped percent sign', () => {
    const env = environment({ name: '100%' });
    expect(check('name:100%%', env)).toBe(true);
  });

  it('rule reference and unknown rule', () => {
    expect(check('rule:yes', member)).toBe(true);
    expect(check('rule:no', member)).toBe(false);
    expect(check('not rule:no', member)).toBe(true);
  });

  it('and, or and not combine', () => {
    expect(check('role:admin or role:member and project_id:%(owner)s', member)).toBe(true);
    expect(check('(role:admin or role:member) and not project_id:%(owner)s', member)).toBe(false);
  });
});
