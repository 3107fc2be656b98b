/**
 * A parsed rule in oslo.policy's syntax, the one Glance's policy files use:
 * `@` (always), `!` (never), `rule:NAME`, `role:NAME`, `KEY:VALUE` checks,
 * combined with `not`, `and`, `or` and parentheses.
 */
export type PolicyCheck =
  | { kind: 'always' }
  | { kind: 'never' }
  | { kind: 'not'; check: PolicyCheck }
  | { kind: 'and'; checks: PolicyCheck[] }
  | { kind: 'or'; checks: PolicyCheck[] }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; role: string }
  /** `left:right`: a credential path or a Python literal on the left, a value or `%(key)s` on the right. */
  | { kind: 'generic'; left: string; right: string };

/** A value that a check can read from the caller's credentials or the target. */
export type PolicyValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly PolicyValue[]
  | { readonly [key: string]: PolicyValue };

export type PolicyAttributes = Readonly<Record<string, PolicyValue>>;

export interface PolicyEnvironment {
  /** The caller: user_id, project_id, roles, is_admin and the like. */
  credentials: PolicyAttributes;
  /** The resource: project_id, owner, visibility, member_id. */
  target: PolicyAttributes;
  /** Returns the rule that `rule:NAME` names, or undefined when there is none. */
  ruleNamed(name: string): PolicyCheck | undefined;
}

const SUBSTITUTION = /%\(([^)]*)\)s|%%/g;

/**
 * Formats a scalar as Python's str() does, since oslo.policy compares the
 * strings that Python prints. Null, undefined and containers give null.
 */
function pythonString(value: PolicyValue): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  return null;
}

/**
 * Replaces each `%(key)s` with the target's value. Returns null when a key is
 * missing or null, so that the check fails.
 * NOTE: oslo.policy formats a null value as 'None', which then equals another
 * null. Iris lets nothing match a null value, so that a caller without a
 * project never owns an image without an owner.
 */
function substitute(text: string, target: PolicyAttributes): string | null {
  let failed = false;
  const result = text.replace(SUBSTITUTION, (whole, key: string | undefined) => {
    if (whole === '%%') return '%';
    const value = pythonString(Object.hasOwn(target, key ?? '') ? target[key ?? ''] : undefined);
    if (value === null) failed = true;
    return value ?? '';
  });
  return failed ? null : result;
}

/** Reads a Python literal (a quoted string, a number, True, False), or returns undefined. */
function pythonLiteral(text: string): string | undefined {
  const quoted = /^'(.*)'$|^"(.*)"$/s.exec(text);
  if (quoted !== null) return quoted[1] ?? quoted[2];
  if (text === 'True' || text === 'False') return text;
  if (/^-?\d+(\.\d+)?$/.test(text)) return String(Number(text));
  return undefined;
}

/** Follows a dotted path through the credentials. A list on the way matches if any of its items does. */
function credentialMatches(value: PolicyValue, path: readonly string[], expected: string): boolean {
  if (Array.isArray(value)) {
    return value.some((item: PolicyValue) => credentialMatches(item, path, expected));
  }
  if (path.length === 0) return pythonString(value) === expected;
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Readonly<Record<string, PolicyValue>>;
  if (!Object.hasOwn(record, path[0])) return false;
  return credentialMatches(record[path[0]], path.slice(1), expected);
}

function genericMatches(left: string, right: string, env: PolicyEnvironment): boolean {
  const expected = substitute(right, env.target);
  if (expected === null) return false;
  const literal = pythonLiteral(left);
  if (literal !== undefined) return literal === expected;
  return credentialMatches(env.credentials, left.split('.'), expected);
}

function roleMatches(role: string, env: PolicyEnvironment): boolean {
  const expected = substitute(role, env.target);
  if (expected === null) return false;
  const roles = env.credentials.roles;
  if (!Array.isArray(roles)) return false;
  return roles.some((held: PolicyValue) => pythonString(held)?.toLowerCase() === expected.toLowerCase());
}

/** Evaluates a check. A `rule:` that names no rule fails, as in oslo.policy. */
export function evaluateCheck(check: PolicyCheck, env: PolicyEnvironment): boolean {
  switch (check.kind) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'not':
      return !evaluateCheck(check.check, env);
    case 'and':
      return check.checks.every((inner) => evaluateCheck(inner, env));
    case 'or':
      return check.checks.some((inner) => evaluateCheck(inner, env));
    case 'rule': {
      const rule = env.ruleNamed(check.name);
      return rule !== undefined && evaluateCheck(rule, env);
    }
    case 'role':
      return roleMatches(check.role, env);
    case 'generic':
      return genericMatches(check.left, check.right, env);
  }
}

/** Returns the names of the rules that a check refers to with `rule:`. */
export function referencedRules(check: PolicyCheck): string[] {
  switch (check.kind) {
    case 'not':
      return referencedRules(check.check);
    case 'and':
    case 'or':
      return check.checks.flatMap(referencedRules);
    case 'rule':
      return [check.name];
    default:
      return [];
  }
}
