export const QUOTA_RESOURCES = [
  'image_size_total',
  'image_stage_total',
  'image_count_total',
  'image_count_uploading',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export function isQuotaResource(value: string): value is QuotaResource {
  return (QUOTA_RESOURCES as readonly string[]).includes(value);
}

/** Limits per resource: sizes in MiB, counts in images; a negative limit is unlimited. */
export type QuotaLimits = Record<QuotaResource, number>;

export interface QuotaSettings {
  /** Off, no limit is enforced and the usage document is empty (Glance's use_keystone_limits). */
  enabled: boolean;
  defaults: QuotaLimits;
  /** Limits that replace the defaults for single projects. */
  overrides: Record<string, Partial<QuotaLimits>>;
}

/** A project's consumption: sizes in bytes, counts in images. */
export interface QuotaUsage {
  imageSizeTotal: number;
  imageStageTotal: number;
  imageCountTotal: number;
  imageCountUploading: number;
}

export const MIB = 1024 * 1024;

export function quotaLimit(settings: QuotaSettings, project: string, resource: QuotaResource): number {
  return settings.overrides[project]?.[resource] ?? settings.defaults[resource];
}

/** Returns the usage of one resource in its unit: MiB (rounded down) for sizes. */
export function usageIn(resource: QuotaResource, usage: QuotaUsage): number {
  switch (resource) {
    case 'image_size_total':
      return Math.floor(usage.imageSizeTotal / MIB);
    case 'image_stage_total':
      return Math.floor(usage.imageStageTotal / MIB);
    case 'image_count_total':
      return usage.imageCountTotal;
    case 'image_count_uploading':
      return usage.imageCountUploading;
  }
}
