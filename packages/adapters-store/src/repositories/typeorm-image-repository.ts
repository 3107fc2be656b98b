import {
  Conflict,
  Image,
  ImageListQuery,
  ImageRepository,
  ImageStatus,
  InvalidInput,
  ListViewer,
  UpdateCondition,
} from '@iris/domain';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { ImagePropertyRow, ImageRow, ImageTagRow } from '../entities';
import { IMAGE_COLUMNS, propertyRows, RawImage, rawToImage, tagRows, toImageRow } from './image-mapper';
import { applyListFilters, applyMarker, applyOrder } from './image-list-sql';
import { WriteLock } from './write-lock';

export class TypeOrmImageRepository implements ImageRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {}

  async add(image: Image): Promise<void> {
    await this.lock.run(() =>
      this.dataSource.transaction(async (manager) => {
        const exists = await manager.existsBy(ImageRow, { id: image.id });
        if (exists) throw new Conflict('image_id_exists', { id: image.id });
        await manager.insert(ImageRow, toImageRow(image));
        await this.writeChildren(manager, image);
      }),
    );
  }

  async findById(id: string): Promise<Image | null> {
    const rows = (await this.dataSource.manager.query(FIND_BY_ID_SQL, [id])) as RawImage[];
    const [image] = await this.hydrate(this.dataSource.manager, rows);
    return image ?? null;
  }

  async list(query: ImageListQuery, viewer: ListViewer): Promise<Image[]> {
    const manager = this.dataSource.manager;
    const base = (): SelectQueryBuilder<ImageRow> => {
      const qb = selectImages(manager.createQueryBuilder(ImageRow, 'i'));
      applyListFilters(qb, query, viewer);
      return qb;
    };

    const qb = base();
    if (query.marker !== null) {
      const [marker] = await base()
        .andWhere('i.id = :markerId', { markerId: query.marker })
        .getRawMany<RawImage>();
      if (marker === undefined) throw new InvalidInput('marker_not_found', { marker: query.marker });
      applyMarker(qb, query.sort, rawToImage(marker, [], {}));
    }
    applyOrder(qb, query.sort);
    const rows = await qb.limit(query.limit).getRawMany<RawImage>();
    return this.hydrate(manager, rows);
  }

  async update(image: Image, expected: UpdateCondition): Promise<boolean> {
    return this.lock.run(() =>
      this.dataSource.transaction(async (manager) => {
        const row = toImageRow(image);
        const qb = manager
          .createQueryBuilder()
          .update(ImageRow)
          .set({
            ...row,
            id: undefined,
            createdAt: undefined,
            deleted: undefined,
            deletedAt: undefined,
            revision: () => 'revision + 1',
          })
          .where('id = :id AND deleted = :deleted AND status = :status', {
            id: image.id,
            deleted: false,
            status: expected.status,
          });
        if (expected.revision !== undefined) {
          qb.andWhere('revision = :revision', { revision: expected.revision });
        }
        if (expected.updatedAt !== undefined) {
          qb.andWhere('updated_at = :updatedAt', { updatedAt: expected.updatedAt });
        }
        const result = await qb.execute();
        if (result.affected !== 1) return false;

        await manager.delete(ImageTagRow, { imageId: image.id });
        await manager.delete(ImagePropertyRow, { imageId: image.id });
        await this.writeChildren(manager, image);
        return true;
      }),
    );
  }

  async listByStatus(status: ImageStatus): Promise<Image[]> {
    const rows = (await this.dataSource.manager.query(LIST_BY_STATUS_SQL, [status])) as RawImage[];
    return this.hydrate(this.dataSource.manager, rows);
  }

  async markDeleted(id: string, expectedStatus: ImageStatus, deletedAt: Date): Promise<boolean> {
    return this.lock.run(async () => {
      const result = await this.dataSource.manager
        .createQueryBuilder()
        .update(ImageRow)
        .set({ status: 'deleted', deleted: true, deletedAt, updatedAt: deletedAt, revision: () => 'revision + 1' })
        .where('id = :id AND deleted = :deleted AND status = :status', {
          id,
          deleted: false,
          status: expectedStatus,
        })
        .execute();
      return result.affected === 1;
    });
  }

  private async writeChildren(manager: EntityManager, image: Image): Promise<void> {
    const tags = tagRows(image);
    const properties = propertyRows(image);
    if (tags.length > 0) await manager.insert(ImageTagRow, tags);
    if (properties.length > 0) await manager.insert(ImagePropertyRow, properties);
  }

  /** Loads tags and properties of a whole page in two queries. */
  private async hydrate(manager: EntityManager, rows: RawImage[]): Promise<Image[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id as string);
    const placeholders = ids.map(() => '?').join(', ');
    const [tags, properties] = (await Promise.all([
      manager.query(`SELECT image_id, value FROM image_tags WHERE image_id IN (${placeholders})`, ids),
      manager.query(
        `SELECT image_id, name, value FROM image_properties WHERE image_id IN (${placeholders})`,
        ids,
      ),
    ])) as [{ image_id: string; value: string }[], { image_id: string; name: string; value: string | null }[]];

    const tagsById = new Map<string, string[]>();
    for (const tag of tags) {
      const list = tagsById.get(tag.image_id);
      if (list === undefined) tagsById.set(tag.image_id, [tag.value]);
      else list.push(tag.value);
    }
    const propertiesById = new Map<string, Record<string, string | null>>();
    for (const property of properties) {
      const entry = propertiesById.get(property.image_id) ?? {};
      entry[property.name] = property.value;
      propertiesById.set(property.image_id, entry);
    }
    return rows.map((row) =>
      rawToImage(row, tagsById.get(row.id as string) ?? [], propertiesById.get(row.id as string) ?? {}),
    );
  }
}

const FIND_BY_ID_SQL = `SELECT ${IMAGE_COLUMNS.join(', ')} FROM images WHERE id = ? AND deleted = 0`;
const LIST_BY_STATUS_SQL =
  `SELECT ${IMAGE_COLUMNS.join(', ')} FROM images ` +
  'WHERE status = ? AND deleted = 0 ORDER BY created_at, id';

/** Selects the image columns under their own names, for getRawMany. */
function selectImages(qb: SelectQueryBuilder<ImageRow>): SelectQueryBuilder<ImageRow> {
  qb.select([]);
  for (const column of IMAGE_COLUMNS) qb.addSelect(`i.${column}`, column);
  return qb;
}
