import { isQuotaResource, QuotaLimits, QuotaSettings } from '@iris/domain';
import { IrisConfig } from './config';

/** Reads the quota settings, with overrides from `project:resource=limit` items. */
export function quotaSettings(config: IrisConfig): QuotaSettings {
  const overrides: Record<string, Partial<QuotaLimits>> = {};
  for (const item of config.quotaOverrides) {
    const match = /^([^:]+):([a-z_]+)=(-?\d+)$/.exec(item);
    if (match === null || !isQuotaResource(match[2])) {
      throw new Error(
        `Invalid IRIS_QUOTA_OVERRIDES item '${item}': expected project:resource=limit with resource ` +
          'image_size_total, image_stage_total, image_count_total or image_count_uploading',
      );
    }
    overrides[match[1]] = { ...overrides[match[1]], [match[2]]: Number(match[3]) };
  }
  return {
    enabled: config.quotasEnabled,
    defaults: {
      image_size_total: config.quotaImageSizeTotal,
      image_stage_total: config.quotaImageStageTotal,
      image_count_total: config.quotaImageCountTotal,
      image_count_uploading: config.quotaImageCountUploading,
    },
    overrides,
  };
}
