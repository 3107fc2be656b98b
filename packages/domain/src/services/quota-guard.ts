import { QuotaExceeded } from '../errors';
import { MIB, QUOTA_RESOURCES, quotaLimit, QuotaResource, QuotaSettings, usageIn } from '../model/quota';
import { RequestContext } from '../model/request-context';
import { ByteSource } from '../ports/image-data-store.port';
import { QuotaUsageSource } from '../ports/quota-usage.port';

export interface UsageEntry {
  limit: number;
  usage: number;
}

/**
 * Per-project limits as Glance's unified limits enforce them: a check
 * before each operation, and for data a byte limit that stops the stream
 * as soon as it passes what is left. Images without an owner (an
 * administrator without a project) are not limited.
 *
 * NOTE: like Glance, the checks take no lock, so concurrent requests of one
 * project can together exceed a limit by what each of them adds.
 */
export class QuotaGuard {
  constructor(
    private readonly settings: QuotaSettings,
    private readonly source: QuotaUsageSource,
  ) {}

  /** Throws QuotaExceeded when adding `delta` (in the resource's unit) would pass a limit. */
  async check(ctx: RequestContext, checks: Partial<Record<QuotaResource, number>>): Promise<void> {
    await this.checkProject(ctx.projectId, checks);
  }

  /** Like `check`, for the owner of an image when no request is at hand (an import task). */
  async checkProject(project: string | null, checks: Partial<Record<QuotaResource, number>>): Promise<void> {
    if (!this.settings.enabled || project === null) return;
    const usage = await this.source.usageOf(project);
    for (const [resource, delta] of Object.entries(checks) as [QuotaResource, number][]) {
      const limit = quotaLimit(this.settings, project, resource);
      const used = usageIn(resource, usage);
      if (limit >= 0 && used + delta > limit) {
        throw new QuotaExceeded('quota_exceeded', { resource, limit, usage: used, delta });
      }
    }
  }

  /**
   * Returns the source with a byte limit: the MiB left of the size
   * resource, so that the data stops as soon as it passes the limit.
   */
  async limitData(ctx: RequestContext, source: ByteSource, resource: QuotaResource): Promise<ByteSource> {
    return this.limitProjectData(ctx.projectId, source, resource);
  }

  async limitProjectData(project: string | null, source: ByteSource, resource: QuotaResource): Promise<ByteSource> {
    if (!this.settings.enabled || project === null) return source;
    const limit = quotaLimit(this.settings, project, resource);
    if (limit < 0) return source;
    const usage = await this.source.usageOf(project);
    const used = resource === 'image_size_total' ? usage.imageSizeTotal : usage.imageStageTotal;
    const remaining = limit * MIB - used;
    return limitBytes(source, remaining, () => {
      return new QuotaExceeded('quota_exceeded', { resource, limit, usage: usageIn(resource, usage), delta: 0 });
    });
  }

  /** Builds the document of GET /v2/info/usage; empty while quotas are off. */
  async usage(ctx: RequestContext): Promise<Partial<Record<QuotaResource, UsageEntry>>> {
    const project = ctx.projectId;
    if (!this.settings.enabled || project === null) return {};
    const usage = await this.source.usageOf(project);
    const document: Partial<Record<QuotaResource, UsageEntry>> = {};
    for (const resource of QUOTA_RESOURCES) {
      document[resource] = { limit: quotaLimit(this.settings, project, resource), usage: usageIn(resource, usage) };
    }
    return document;
  }
}

/** Passes chunks through and fails with the error once more than `max` bytes went past. */
export function limitBytes(source: ByteSource, max: number, error: () => Error): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      let total = 0;
      for await (const chunk of source) {
        total += chunk.length;
        if (total > max) throw error();
        yield chunk;
      }
    },
  };
}
