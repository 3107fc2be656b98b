import { QuotaUsage } from '../model/quota';

/** Counts what a project consumes, from the images it owns. */
export interface QuotaUsageSource {
  usageOf(projectId: string): Promise<QuotaUsage>;
}

export const QuotaUsageSource = Symbol('QuotaUsageSource');
