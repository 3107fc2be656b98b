import { Policy, PolicyRuleSource } from '@iris/domain';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';

/**
 * Reads a policy file as Glance reads policy.yaml (or the older policy.json):
 * a mapping from rule name to a rule in oslo.policy's syntax, or to the
 * list form. A file with no rules, or only comments, is allowed.
 */
export function readPolicyFile(file: string): Record<string, PolicyRuleSource> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the policy file ${file} (IRIS_POLICY_FILE): ${(error as Error).message}`);
  }
  if (text.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('#'))) return {};

  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : load(text);
  } catch (error) {
    throw new Error(`Invalid policy file ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`Invalid policy file ${file}: expected a mapping from rule names to rules`);
  }
  for (const [name, rule] of Object.entries(parsed)) {
    if (typeof rule !== 'string' && !Array.isArray(rule)) {
      throw new Error(`Invalid policy file ${file}: rule '${name}' must be a string or a list of lists`);
    }
  }
  return parsed as Record<string, PolicyRuleSource>;
}

/** Builds the policy engine: Glance's defaults, replaced rule by rule by those of the file, if one is named. */
export function loadPolicy(file: string): Policy {
  if (file === '') return new Policy();
  const rules = readPolicyFile(file);
  try {
    return new Policy(rules);
  } catch (error) {
    throw new Error(`Invalid policy file ${file}: ${(error as Error).message}`);
  }
}
