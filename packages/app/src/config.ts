import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

export interface IrisConfig {
  host: string;
  port: number;
  /** Serving processes: 1 serves in this process, more fork that many cluster workers. */
  workers: number;
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
  /** Glance's enabled_import_methods. */
  importMethods: string[];
  /** Import filters of web-download URLs (Glance's import_filtering_opts). */
  importAllowedSchemes: string[];
  importDisallowedSchemes: string[];
  importAllowedHosts: string[];
  importDisallowedHosts: string[];
  importAllowedPorts: number[];
  importDisallowedPorts: number[];
  /** Limit of one web-download, in milliseconds. */
  webDownloadTimeoutMs: number;
  /** Import plugins run in this order: image_decompression, image_conversion, inject_image_metadata. */
  importPlugins: string[];
  /** Disk format that image_conversion converts to. */
  conversionFormat: string;
  /** Address space limit of qemu-img, in bytes. */
  qemuImgMemoryLimit: number;
  /** Time limit of one qemu-img run, in milliseconds. */
  qemuImgTimeoutMs: number;
  /** Properties that inject_image_metadata sets, as `key=value` items. */
  injectProperties: string[];
  /** How long a finished task is kept, in hours (Glance's task_time_to_live). */
  taskTimeToLiveHours: number;
  /** Named stores as `id:type` items (Glance's enabled_backends); empty for one store. */
  enabledBackends: string[];
  /** Store that receives data when a request names none; the first store when empty. */
  defaultBackend: string;
  /** Descriptions of the stores, as `id=text` items. */
  storeDescriptions: string[];
  /** Enforces the per-project limits below (Glance's use_keystone_limits). */
  quotasEnabled: boolean;
  /** Default limits per project: sizes in MiB, counts in images; negative is unlimited. */
  quotaImageSizeTotal: number;
  quotaImageStageTotal: number;
  quotaImageCountTotal: number;
  quotaImageCountUploading: number;
  /** Limits of single projects, as `project:resource=limit` items. */
  quotaOverrides: string[];
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 9292,
  workers: 1,
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
  importMethods: ['glance-direct', 'web-download', 'copy-image'],
  importAllowedSchemes: ['http', 'https'],
  importDisallowedSchemes: [],
  importAllowedHosts: [],
  importDisallowedHosts: [],
  importAllowedPorts: [80, 443],
  importDisallowedPorts: [],
  webDownloadTimeoutMs: 3_600_000,
  importPlugins: [],
  conversionFormat: 'raw',
  qemuImgMemoryLimit: 1024 * 1024 * 1024,
  qemuImgTimeoutMs: 600_000,
  injectProperties: [],
  taskTimeToLiveHours: 48,
  enabledBackends: [],
  defaultBackend: '',
  storeDescriptions: [],
  quotasEnabled: false,
  quotaImageSizeTotal: -1,
  quotaImageStageTotal: -1,
  quotaImageCountTotal: -1,
  quotaImageCountUploading: -1,
  quotaOverrides: [],
} as const;

/** Environment variable of each setting; the optional JSON file uses the field names. */
export const ENVIRONMENT_NAMES: Record<keyof IrisConfig, string> = {
  host: 'IRIS_HOST',
  port: 'IRIS_PORT',
  workers: 'IRIS_WORKERS',
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
  importMethods: 'IRIS_IMPORT_METHODS',
  importAllowedSchemes: 'IRIS_IMPORT_ALLOWED_SCHEMES',
  importDisallowedSchemes: 'IRIS_IMPORT_DISALLOWED_SCHEMES',
  importAllowedHosts: 'IRIS_IMPORT_ALLOWED_HOSTS',
  importDisallowedHosts: 'IRIS_IMPORT_DISALLOWED_HOSTS',
  importAllowedPorts: 'IRIS_IMPORT_ALLOWED_PORTS',
  importDisallowedPorts: 'IRIS_IMPORT_DISALLOWED_PORTS',
  webDownloadTimeoutMs: 'IRIS_WEB_DOWNLOAD_TIMEOUT_MS',
  importPlugins: 'IRIS_IMPORT_PLUGINS',
  conversionFormat: 'IRIS_IMPORT_CONVERSION_FORMAT',
  qemuImgMemoryLimit: 'IRIS_QEMU_IMG_MEMORY_LIMIT',
  qemuImgTimeoutMs: 'IRIS_QEMU_IMG_TIMEOUT_MS',
  injectProperties: 'IRIS_IMPORT_INJECT_PROPERTIES',
  taskTimeToLiveHours: 'IRIS_TASK_TTL_HOURS',
  enabledBackends: 'IRIS_ENABLED_BACKENDS',
  defaultBackend: 'IRIS_DEFAULT_BACKEND',
  storeDescriptions: 'IRIS_STORE_DESCRIPTIONS',
  quotasEnabled: 'IRIS_QUOTAS',
  quotaImageSizeTotal: 'IRIS_QUOTA_IMAGE_SIZE_TOTAL',
  quotaImageStageTotal: 'IRIS_QUOTA_IMAGE_STAGE_TOTAL',
  quotaImageCountTotal: 'IRIS_QUOTA_IMAGE_COUNT_TOTAL',
  quotaImageCountUploading: 'IRIS_QUOTA_IMAGE_COUNT_UPLOADING',
  quotaOverrides: 'IRIS_QUOTA_OVERRIDES',
};

const NUMERIC: (keyof IrisConfig)[] = [
  'port', 'imageSizeCap', 'defaultLimit', 'maxLimit', 'propertyQuota', 'tagQuota', 'memberQuota',
  'shutdownTimeoutMs', 'keystoneTimeoutMs', 'tokenCacheTtlMs', 'tokenCacheSize',
  'webDownloadTimeoutMs', 'qemuImgMemoryLimit', 'qemuImgTimeoutMs', 'taskTimeToLiveHours',
  'quotaImageSizeTotal', 'quotaImageStageTotal', 'quotaImageCountTotal', 'quotaImageCountUploading',
];

/** Settings that are lists: comma-separated in the environment, JSON arrays in the file. */
const LISTS: (keyof IrisConfig)[] = [
  'importMethods', 'importAllowedSchemes', 'importDisallowedSchemes', 'importAllowedHosts',
  'importDisallowedHosts', 'importAllowedPorts', 'importDisallowedPorts', 'importPlugins',
  'injectProperties', 'enabledBackends', 'storeDescriptions', 'quotaOverrides',
];

const NUMERIC_LISTS: (keyof IrisConfig)[] = ['importAllowedPorts', 'importDisallowedPorts'];

function parseList(key: keyof IrisConfig, value: unknown): unknown[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const trimmed = items.map((item) => item.trim()).filter((item) => item !== '');
  if (!NUMERIC_LISTS.includes(key)) return trimmed;
  return trimmed.map((item) => {
    if (!/^\d+$/.test(item)) {
      throw new Error(`Invalid ${ENVIRONMENT_NAMES[key]} item '${item}': expected a port number`);
    }
    return Number(item);
  });
}

const BOOLEAN: (keyof IrisConfig)[] = ['enableV1', 'quotasEnabled'];

function parseBoolean(key: keyof IrisConfig, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new Error(`Invalid ${ENVIRONMENT_NAMES[key]} '${String(value)}': expected true or false`);
}

/**
 * Largest number of serving processes. Each worker is a Node.js process of about 100 MB
 * that forks at start-up, so a mistyped count must not fork thousands.
 */
export const MAX_WORKERS = 64;

/** Parses IRIS_WORKERS: an integer from 1 to MAX_WORKERS, or `auto` for one process per CPU. */
function parseWorkers(value: unknown): number {
  const text = String(value).trim().toLowerCase();
  if (text === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_WORKERS) return Number(text);
  throw new Error(
    `Invalid IRIS_WORKERS '${String(value)}': expected an integer from 1 to ${MAX_WORKERS}, or auto`,
  );
}

function readFileSettings(file: string | undefined): Partial<Record<keyof IrisConfig, unknown>> {
  if (file === undefined || file === '') return {};
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Cannot read the configuration file ${file} (IRIS_CONFIG): ${(error as Error).message}`);
  }
  // A mistyped key would otherwise leave its setting at the default without a word.
  const unknown = Object.keys(settings).filter((key) => !Object.hasOwn(ENVIRONMENT_NAMES, key));
  if (unknown.length > 0) {
    throw new Error(`Unknown setting ${unknown.map((key) => `'${key}'`).join(', ')} in ${file} (IRIS_CONFIG)`);
  }
  return settings;
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
  const fileSettings = readFileSettings(env.IRIS_CONFIG);
  const merged: Record<string, unknown> = { ...DEFAULTS, ...fileSettings };
  const fromFile = new Set(Object.keys(fileSettings) as (keyof IrisConfig)[]);
  for (const [key, name] of Object.entries(ENVIRONMENT_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      fromFile.delete(key as keyof IrisConfig);
    }
  }
  try {
    return checkedConfig(merged);
  } catch (error) {
    // The messages name the environment variable, so add the file key when the value came from the file.
    const message = (error as Error).message;
    const key = [...fromFile].find((candidate) => new RegExp(`\\b${ENVIRONMENT_NAMES[candidate]}\\b`).test(message));
    if (key === undefined) throw error;
    throw new Error(`${message} (set as '${key}' in ${String(env.IRIS_CONFIG)})`, { cause: error });
  }
}

/** Converts and validates the merged settings. */
function checkedConfig(merged: Record<string, unknown>): IrisConfig {
  for (const key of NUMERIC) {
    const value = Number(merged[key]);
    if (!Number.isFinite(value)) {
      throw new Error(`Invalid ${ENVIRONMENT_NAMES[key]} '${String(merged[key])}': expected a number`);
    }
    merged[key] = value;
  }
  merged.workers = parseWorkers(merged.workers);
  for (const key of BOOLEAN) merged[key] = parseBoolean(key, merged[key]);
  for (const key of LISTS) merged[key] = parseList(key, merged[key]);
  if (merged.auth !== 'noauth' && merged.auth !== 'keystone') {
    throw new Error(`Invalid IRIS_AUTH '${String(merged.auth)}': expected noauth or keystone`);
  }
  if (merged.auth === 'keystone') checkKeystoneSettings(merged);
  const dataDir = path.resolve(String(merged.dataDir));
  merged.dataDir = dataDir;
  merged.databaseUrl ??= `sqlite:${path.join(dataDir, 'iris.sqlite')}`;
  return merged as unknown as IrisConfig;
}
