import { IMPORTING_TO_STORES_PROPERTY, QuotaUsage, QuotaUsageSource } from '@iris/domain';
import { DataSource, Not } from 'typeorm';
import { ImagePropertyRow, ImageRow } from '../entities';

const NOT_COUNTED = ['killed', 'deleted', 'pending_delete'];
const UPLOADING = ['saving', 'uploading', 'importing'];
const STAGING = ['uploading', 'importing'];

function locationCount(locations: string): number {
  try {
    const parsed = JSON.parse(locations) as unknown;
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}

/**
 * Counts a project's usage as Glance's database queries for unified limits
 * do: size times locations of its stored images, the size of data being
 * staged or copied, its images, and those receiving data.
 */
export class TypeOrmQuotaUsage implements QuotaUsageSource {
  constructor(private readonly dataSource: DataSource) {}

  async usageOf(projectId: string): Promise<QuotaUsage> {
    const rows = await this.dataSource.manager.find(ImageRow, {
      select: { id: true, status: true, size: true, locations: true },
      where: { owner: projectId, deleted: false },
    });
    const counted = rows.filter((row) => !NOT_COUNTED.includes(row.status));
    const copying = await this.copyingImages(counted.map((row) => row.id));

    const usage: QuotaUsage = { imageSizeTotal: 0, imageStageTotal: 0, imageCountTotal: 0, imageCountUploading: 0 };
    for (const row of counted) {
      const size = row.size ?? 0;
      usage.imageCountTotal += 1;
      if (size > 0) usage.imageSizeTotal += size * locationCount(row.locations);
      if (STAGING.includes(row.status) || copying.has(row.id)) usage.imageStageTotal += size;
      if (UPLOADING.includes(row.status) || copying.has(row.id)) usage.imageCountUploading += 1;
    }
    return usage;
  }

  /**
   * Returns those of the images with a non-empty os_glance_importing_to_stores,
   * whose copies are running. It reads the property rows of every owner, which
   * are few because the property only lives while a copy runs, so that no
   * IN list grows with the project's images.
   */
  private async copyingImages(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.dataSource.manager.find(ImagePropertyRow, {
      where: { name: IMPORTING_TO_STORES_PROPERTY, value: Not('') },
    });
    const owned = new Set(ids);
    return new Set(rows.map((row) => row.imageId).filter((id) => owned.has(id)));
  }
}
