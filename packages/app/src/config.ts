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
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 9292,
  dataDir: './data',
  auth: 'noauth',
  logLevel: 'info',
  imageSizeCap: 1099511627776,
  hashAlgo: 'sha512',
  defaultLimit: 25,
  maxLimit: 1000,
  propertyQuota: 128,
  tagQuota: 128,
  memberQuota: 128,
  shutdownTimeoutMs: 10_000,
} as const;

/** Environment variable of each setting; the optional JSON file uses the field names. */
export const ENVIRONMENT_NAMES: Record<keyof IrisConfig, string> = {
  host: 'IRIS_HOST',
  port: 'IRIS_PORT',
  dataDir: 'IRIS_DATA_DIR',
  databaseUrl: 'IRIS_DATABASE_URL',
  auth: 'IRIS_AUTH',
  logLevel: 'IRIS_LOG_LEVEL',
  imageSizeCap: 'IRIS_IMAGE_SIZE_CAP',
  hashAlgo: 'IRIS_HASH_ALGO',
  defaultLimit: 'IRIS_LIMIT_DEFAULT',
  maxLimit: 'IRIS_LIMIT_MAX',
  propertyQuota: 'IRIS_IMAGE_PROPERTY_QUOTA',
  tagQuota: 'IRIS_IMAGE_TAG_QUOTA',
  memberQuota: 'IRIS_IMAGE_MEMBER_QUOTA',
  shutdownTimeoutMs: 'IRIS_SHUTDOWN_TIMEOUT_MS',
};

const NUMERIC: (keyof IrisConfig)[] = [
  'port', 'imageSizeCap', 'defaultLimit', 'maxLimit', 'propertyQuota', 'tagQuota', 'memberQuota',
  'shutdownTimeoutMs',
];

function readFileSettings(file: string | undefined): Partial<Record<keyof IrisConfig, unknown>> {
  if (file === undefined || file === '') return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Cannot read the configuration file ${file} (IRIS_CONFIG): ${(error as Error).message}`);
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
  if (merged.auth !== 'noauth' && merged.auth !== 'keystone') {
    throw new Error(`Invalid IRIS_AUTH '${String(merged.auth)}': expected noauth or keystone`);
  }
  const dataDir = path.resolve(String(merged.dataDir));
  merged.dataDir = dataDir;
  merged.databaseUrl ??= `sqlite:${path.join(dataDir, 'iris.sqlite')}`;
  return merged as unknown as IrisConfig;
}
