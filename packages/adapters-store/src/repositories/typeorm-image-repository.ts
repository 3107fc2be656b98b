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
import { DataSource, EntityManager } from 'typeorm';
import { ImagePropertyRow, ImageRow, ImageTagRow } from '../entities';
import { isDuplicateKey } from './duplicate-key';
import { GroupCommit } from './group-commit';
import { IMAGE_COLUMNS, propertyRows, rowToImage, tagRows, toImageRow } from './image-mapper';
import { insertRows } from './insert-rows';
import { listSql, markerSql } from './image-list-sql';
import { RowReader } from './row-reader';
import { WriteLock } from './write-lock';

export class TypeOrmImageRepository implements ImageRepository {
  private readonly reader: RowReader;
  private readonly creates: GroupCommit;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {
    this.reader = new RowReader(dataSource);
    this.creates = new GroupCommit(dataSource, lock);
  }

  async add(image: Image): Promise<void> {
    // The insert comes first: a SQLite transaction that reads before it
    // writes fails with SQLITE_BUSY_SNAPSHOT when another process commits in
    // between, while one that writes first waits for the lock. The primary
    // key also catches the id of a deleted image.
    await this.creates.run(async (manager) => {
      try {
        await insertRows(manager, ImageRow, [toImageRow(image)]);
      } catch (error) {
        if (isDuplicateKey(error)) throw new Conflict('image_id_exists', { id: image.id });
        throw error;
      }
      await this.writeChildren(manager, image);
    });
  }

  async findById(id: string): Promise<Image | null> {
    const [image] = await this.hydrate(await this.reader.rows(FIND_BY_ID_SQL, [id]));
    return image ?? null;
  }

  async list(query: ImageListQuery, viewer: ListViewer): Promise<Image[]> {
    let marker: Image | null = null;
    if (query.marker !== null) {
      const sql = markerSql(query, viewer, query.marker);
      const [row] = await this.reader.rows(sql.text, sql.params);
      if (row === undefined) throw new InvalidInput('marker_not_found', { marker: query.marker });
      marker = rowToImage(row, [], {});
    }
    const sql = listSql(query, viewer, marker);
    return this.hydrate(await this.reader.rows(sql.text, sql.params));
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
    return this.hydrate(await this.reader.rows(LIST_BY_STATUS_SQL, [status]));
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
    await insertRows(manager, ImageTagRow, tags);
    await insertRows(manager, ImagePropertyRow, properties);
  }

  /** Loads tags and properties of a whole page in two queries. */
  private async hydrate(rows: unknown[][]): Promise<Image[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row[0] as string);
    const placeholders = ids.map(() => '?').join(', ');
    const [tags, properties] = await Promise.all([
      this.reader.rows(`SELECT image_id, value FROM image_tags WHERE image_id IN (${placeholders})`, ids),
      this.reader.rows(`SELECT image_id, name, value FROM image_properties WHERE image_id IN (${placeholders})`, ids),
    ]);

    const tagsById = new Map<string, string[]>();
    for (const [imageId, value] of tags as [string, string][]) {
      const list = tagsById.get(imageId);
      if (list === undefined) tagsById.set(imageId, [value]);
      else list.push(value);
    }
    const propertiesById = new Map<string, Record<string, string | null>>();
    for (const [imageId, name, value] of properties as [string, string, string | null][]) {
      let entry = propertiesById.get(imageId);
      if (entry === undefined) {
        entry = {};
        propertiesById.set(imageId, entry);
      }
      entry[name] = value;
    }
    return rows.map((row, i) => rowToImage(row, tagsById.get(ids[i]) ?? [], propertiesById.get(ids[i]) ?? {}));
  }
}

const FIND_BY_ID_SQL = `SELECT ${IMAGE_COLUMNS.join(', ')} FROM images WHERE id = ? AND deleted = 0`;
const LIST_BY_STATUS_SQL =
  `SELECT ${IMAGE_COLUMNS.join(', ')} FROM images ` +
  'WHERE status = ? AND deleted = 0 ORDER BY created_at, id';
