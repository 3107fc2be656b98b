import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface IrisConfig {
  host: string;
  port: number;
  /** Folder of the embedded SQLite file and the image data. */
  dataDir: string;
  /** `sqlite:PATH` or `mysql://user:pass@host:port/db`; SQLite under dataDir by default. */
  databaseUrl: string;
  auth: 'noauth' | 'keystone';
  /** Keystone's Identity API v3 URL, such as http://127.0.0.1:5000/v3 (IRIS_AUTH=keystone only). */
  keystoneUrl: string;
  /** The service user that validates tokens, with password authentication. */
  keystoneUsername: string;
  keystonePassword: string;
  /** Project that the service user's token is scoped to. */
  keystoneProject: string;
  /** Domain names of the service user and of its project. */
  keystoneUserDomain: string;
  keystoneProjectDomain: string;
  /** Limit for each call to Keystone, in milliseconds. */
  keystoneTimeoutMs: number;
  /** How long a validated token is trusted without asking Keystone, in milliseconds (0 disables the cache). */
  tokenCacheTtlMs: number;
  /** How many validated tokens are kept at most. */
  tokenCacheSize: number;
  /** YAML or JSON file of oslo.policy rules that replace Glance's defaults, or empty for none. */
  policyFile: string;
  logLevel: string;
  /** Largest image in bytes (Glance's image_size_cap, 1 TiB by default). */
  imageSizeCap: number;
  hashAlgo: string;
  defaultLimit: number;
  maxLimit: number;
  propertyQuota: number;
  tagQuota: number;
  memberQuota: number;
  /** How long SIGTERM waits for in-flight requests, in milliseconds. */
  shutdownTimeoutMs: number;
  /** Serves the deprecated Images API v1 under `/v1` and lists it in the versions document. */
  enableV1: boolean;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 9292,
  dataDir: './data',
  auth: 'noauth',
  keystoneUrl: '',
  keystoneUsername: '',
  keystonePassword: '',
  keystoneProject: '',
  keystoneUserDomain: 'Default',
  keystoneProjectDomain: 'Default',
  keystoneTimeoutMs: 5000,
  tokenCacheTtlMs: 300_000,
  tokenCacheSize: 10_000,
  policyFile: '',
  logLevel: 'info',
  imageSizeCap: 1099511627776,
  hashAlgo: 'sha512',
  defaultLimit: 25,
  maxLimit: 1000,
  propertyQuota: 128,
  tagQuota: 128,
  memberQuota: 128,
  shutdownTimeoutMs: 10_000,
  enableV1: true,
} as const;

/** Environment variable of each setting; the optional JSON file uses the field names. */
export const ENVIRONMENT_NAMES: Record<keyof IrisConfig, string> = {
  host: 'IRIS_HOST',
  port: 'IRIS_PORT',
  dataDir: 'IRIS_DATA_DIR',
  databaseUrl: 'IRIS_DATABASE_URL',
  auth: 'IRIS_AUTH',
  keystoneUrl: 'IRIS_KEYSTONE_URL',
  keystoneUsername: 'IRIS_KEYSTONE_USERNAME',
  keystonePassword: 'IRIS_KEYSTONE_PASSWORD',
  keystoneProject: 'IRIS_KEYSTONE_PROJECT',
  keystoneUserDomain: 'IRIS_KEYSTONE_USER_DOMAIN',
  keystoneProjectDomain: 'IRIS_KEYSTONE_PROJECT_DOMAIN',
  keystoneTimeoutMs: 'IRIS_KEYSTONE_TIMEOUT_MS',
  tokenCacheTtlMs: 'IRIS_KEYSTONE_CACHE_TTL_MS',
  tokenCacheSize: 'IRIS_KEYSTONE_CACHE_SIZE',
  policyFile: 'IRIS_POLICY_FILE',
  logLevel: 'IRIS_LOG_LEVEL',
  imageSizeCap: 'IRIS_IMAGE_SIZE_CAP',
  hashAlgo: 'IRIS_HASH_ALGO',
  defaultLimit: 'IRIS_LIMIT_DEFAULT',
  maxLimit: 'IRIS_LIMIT_MAX',
  propertyQuota: 'IRIS_IMAGE_PROPERTY_QUOTA',
  tagQuota: 'IRIS_IMAGE_TAG_QUOTA',
  memberQuota: 'IRIS_IMAGE_MEMBER_QUOTA',
  shutdownTimeoutMs: 'IRIS_SHUTDOWN_TIMEOUT_MS',
  enableV1: 'IRIS_ENABLE_V1',
};

const NUMERIC: (keyof IrisConfig)[] = [
  'port', 'imageSizeCap', 'defaultLimit', 'maxLimit', 'propertyQuota', 'tagQuota', 'memberQuota',
  'shutdownTimeoutMs', 'keystoneTimeoutMs', 'tokenCacheTtlMs', 'tokenCacheSize',
];

const BOOLEAN: (keyof IrisConfig)[] = ['enableV1'];

function parseBoolean(key: keyof IrisConfig, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new Error(`Invalid ${ENVIRONMENT_NAMES[key]} '${String(value)}': expected true or false`);
}

function readFileSettings(file: string | undefined): Partial<Record<keyof IrisConfig, unknown>> {
  if (file === undefined || file === '') return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Cannot read the configuration file ${file} (IRIS_CONFIG): ${(error as Error).message}`);
  }
}

const KEYSTONE_REQUIRED = ['keystoneUrl', 'keystoneUsername', 'keystonePassword', 'keystoneProject'] as const;

function checkKeystoneSettings(merged: Record<string, unknown>): void {
  const missing = KEYSTONE_REQUIRED.filter((key) => String(merged[key] ?? '') === '');
  if (missing.length > 0) {
    const names = missing.map((key) => ENVIRONMENT_NAMES[key]).join(', ');
    throw new Error(`IRIS_AUTH=keystone needs ${names}`);
  }
  if (!/^https?:\/\/[^/]/.test(String(merged.keystoneUrl))) {
    const url = String(merged.keystoneUrl);
    throw new Error(`Invalid IRIS_KEYSTONE_URL '${url}': expected an http:// or https:// URL`);
  }
  if (Number(merged.keystoneTimeoutMs) <= 0) {
    const timeout = String(merged.keystoneTimeoutMs);
    throw new Error(`Invalid IRIS_KEYSTONE_TIMEOUT_MS '${timeout}': expected a positive number`);
  }
}

/**
 * Reads the configuration: defaults, then the JSON file named by IRIS_CONFIG,
 * then environment variables, each overriding the one before.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): IrisConfig {
  const merged: Record<string, unknown> = { ...DEFAULTS, ...readFileSettings(env.IRIS_CONFIG) };
  for (const [key, name] of Object.entries(ENVIRONMENT_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const key of NUMERIC) {
    const value = Number(merged[key]);
    if (!Number.isFinite(value)) {
      throw new Error(`Invalid ${ENVIRONMENT_NAMES[key]} '${String(merged[key])}': expected a number`);
    }
    merged[key] = value;
  }
  for (const key of BOOLEAN) merged[key] = parseBoolean(key, merged[key]);
  if (merged.auth !== 'noauth' && merged.auth !== 'keystone') {
    throw new Error(`Invalid IRIS_AUTH '${String(merged.auth)}': expected noauth or keystone`);
  }
  if (merged.auth === 'keystone') checkKeystoneSettings(merged);
  const dataDir = path.resolve(String(merged.dataDir));
  merged.dataDir = dataDir;
  merged.databaseUrl ??= `sqlite:${path.join(dataDir, 'iris.sqlite')}`;
  return merged as unknown as IrisConfig;
}
