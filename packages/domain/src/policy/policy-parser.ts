import { PolicyCheck } from './policy-check';

/** Error for a rule that cannot be parsed. A policy file with such a rule is rejected as a whole. */
export class PolicySyntaxError extends Error {
  constructor(
    readonly rule: string,
    reason: string,
  ) {
    super(`Invalid policy rule ${JSON.stringify(rule)}: ${reason}`);
    this.name = 'PolicySyntaxError';
  }
}

/**
 * A rule as a policy file states it: a string, or oslo.policy's older list
 * form, where the outer list is an `or` of inner lists of `and`ed checks
 * (a bare string standing for a list of one).
 */
export type PolicyRuleSource = string | readonly (string | readonly string[])[];

type Token = { type: '(' | ')' | 'and' | 'or' | 'not' } | { type: 'check'; check: PolicyCheck };

const KEYWORDS = new Set(['and', 'or', 'not']);

/** Parses one check such as `role:admin`, `rule:default`, `@` or `project_id:%(owner)s`. */
function parseSingleCheck(text: string, rule: string): PolicyCheck {
  if (text === '@') return { kind: 'always' };
  if (text === '!') return { kind: 'never' };
  const colon = text.indexOf(':');
  if (colon <= 0) throw new PolicySyntaxError(rule, `'${text}' is not a check of the form kind:value`);

  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (kind === 'rule') return { kind: 'rule', name: value };
  if (kind === 'role') return { kind: 'role', role: value };
  if (kind === 'http' || kind === 'https') {
    throw new PolicySyntaxError(rule, `'${kind}:' checks (asking a remote server) are not supported`);
  }
  return { kind: 'generic', left: kind, right: value };
}

/**
 * Splits a rule into tokens as oslo.policy does: at white space, with
 * parentheses peeled off the ends of each word and and/or/not recognised in
 * any letter case. So `'a b':%(x)s` is two words, as it is there.
 */
function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  for (const word of rule.split(/\s+/).filter(Boolean)) {
    const inner = word.replace(/^\(+/, '');
    for (let i = inner.length; i < word.length; i++) tokens.push({ type: '(' });
    const core = inner.replace(/\)+$/, '');
    if (core !== '') {
      const lowered = core.toLowerCase();
      if (KEYWORDS.has(lowered)) tokens.push({ type: lowered as 'and' | 'or' | 'not' });
      else tokens.push({ type: 'check', check: parseSingleCheck(core, rule) });
    }
    for (let i = core.length; i < inner.length; i++) tokens.push({ type: ')' });
  }
  return tokens;
}

/**
 * Recursive descent over the tokens, with oslo.policy's precedence: `not`
 * binds tighter than `and`, and `and` tighter than `or`.
 */
class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly rule: string,
  ) {}

  parse(): PolicyCheck {
    const check = this.orExpression();
    if (this.position < this.tokens.length) this.fail(`unexpected '${this.describe()}'`);
    return check;
  }

  private orExpression(): PolicyCheck {
    const checks = [this.andExpression()];
    while (this.accept('or')) checks.push(this.andExpression());
    return checks.length === 1 ? checks[0] : { kind: 'or', checks };
  }

  private andExpression(): PolicyCheck {
    const checks = [this.notExpression()];
    while (this.accept('and')) checks.push(this.notExpression());
    return checks.length === 1 ? checks[0] : { kind: 'and', checks };
  }

  private notExpression(): PolicyCheck {
    if (this.accept('not')) return { kind: 'not', check: this.notExpression() };
    if (this.accept('(')) {
      const check = this.orExpression();
      if (!this.accept(')')) this.fail("a '(' is not closed");
      return check;
    }
    const token = this.tokens[this.position];
    if (token?.type !== 'check') this.fail(`expected a check, found '${this.describe()}'`);
    this.position++;
    return token.check;
  }

  private accept(type: Token['type']): boolean {
    if (this.tokens[this.position]?.type !== type) return false;
    this.position++;
    return true;
  }

  private describe(): string {
    const token = this.tokens[this.position];
    if (token === undefined) return 'the end of the rule';
    return token.type === 'check' ? 'a check' : token.type;
  }

  private fail(reason: string): never {
    throw new PolicySyntaxError(this.rule, reason);
  }
}

/** Parses a rule. An empty string allows everyone, as in oslo.policy. */
export function parsePolicyRule(source: PolicyRuleSource): PolicyCheck {
  if (typeof source !== 'string') return parseListRule(source);
  const tokens = tokenize(source);
  if (tokens.length === 0) return { kind: 'always' };
  return new Parser(tokens, source).parse();
}

/** Parses the list form as oslo.policy does: `[]` allows everyone, empty inner lists are skipped. */
function parseListRule(source: readonly (string | readonly string[])[]): PolicyCheck {
  const text = JSON.stringify(source);
  if (source.length === 0) return { kind: 'always' };
  const alternatives: PolicyCheck[] = [];
  for (const entry of source) {
    const all: readonly unknown[] = typeof entry === 'string' ? [entry] : entry;
    if (!Array.isArray(all) || all.some((item) => typeof item !== 'string')) {
      throw new PolicySyntaxError(text, 'the list form must be a list of lists of check strings');
    }
    if (all.length === 0) continue;
    const checks = (all as string[]).map((item) => parseSingleCheck(item.trim(), text));
    alternatives.push(checks.length === 1 ? checks[0] : { kind: 'and', checks });
  }
  if (alternatives.length === 0) return { kind: 'never' };
  return alternatives.length === 1 ? alternatives[0] : { kind: 'or', checks: alternatives };
}
