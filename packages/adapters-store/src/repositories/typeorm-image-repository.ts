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
import { propertyRows, rowToImage, selectImagesSql, SqlDialect, tagRows, toImageRow } from './image-mapper';
import { insertRows } from './insert-rows';
import { listSql, markerSql } from './image-list-sql';
import { RowReader } from './row-reader';
import { WriteLock } from './write-lock';

export class TypeOrmImageRepository implements ImageRepository {
  private readonly reader: RowReader;
  private readonly creates: GroupCommit;
  private readonly dialect: SqlDialect;
  private readonly findByIdSql: string;
  private readonly listByStatusSql: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {
    this.reader = new RowReader(dataSource);
    this.creates = new GroupCommit(dataSource, lock);
    this.dialect = dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
    const select = selectImagesSql(this.dialect);
    this.findByIdSql = `${select} WHERE i.id = ? AND i.deleted = 0`;
    this.listByStatusSql = `${select} WHERE i.status = ? AND i.deleted = 0 ORDER BY i.created_at, i.id`;
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
    const [row] = await this.reader.rows(this.findByIdSql, [id]);
    return row === undefined ? null : rowToImage(row);
  }

  async list(query: ImageListQuery, viewer: ListViewer): Promise<Image[]> {
    let marker: Image | null = null;
    if (query.marker !== null) {
      const sql = markerSql(this.dialect, query, viewer, query.marker);
      const [row] = await this.reader.rows(sql.text, sql.params);
      if (row === undefined) throw new InvalidInput('marker_not_found', { marker: query.marker });
      marker = rowToImage(row);
    }
    const sql = listSql(this.dialect, query, viewer, marker);
    return (await this.reader.rows(sql.text, sql.params)).map(rowToImage);
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
    return (await this.reader.rows(this.listByStatusSql, [status])).map(rowToImage);
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
}
