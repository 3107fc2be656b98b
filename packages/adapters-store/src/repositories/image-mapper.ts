import { Image, ImageLocation, ImageStatus, Visibility } from '@iris/domain';
import { ImagePropertyRow, ImageRow, ImageTagRow } from '../entities';

export function toImageRow(image: Image): ImageRow {
  const row = new ImageRow();
  row.id = image.id;
  row.name = image.name;
  row.status = image.status;
  row.visibility = image.visibility;
  row.protected = image.protected;
  row.osHidden = image.osHidden;
  row.checksum = image.checksum;
  row.osHashAlgo = image.osHashAlgo;
  row.osHashValue = image.osHashValue;
  row.owner = image.owner;
  row.size = image.size;
  row.virtualSize = image.virtualSize;
  row.containerFormat = image.containerFormat;
  row.diskFormat = image.diskFormat;
  row.minRam = image.minRam;
  row.minDisk = image.minDisk;
  row.createdAt = image.createdAt;
  row.updatedAt = image.updatedAt;
  row.deleted = false;
  row.deletedAt = null;
  row.locations = JSON.stringify(image.locations);
  row.revision = image.revision ?? 0;
  return row;
}

export function tagRows(image: Image): ImageTagRow[] {
  return image.tags.map((value) => Object.assign(new ImageTagRow(), { imageId: image.id, value }));
}

export function propertyRows(image: Image): ImagePropertyRow[] {
  return Object.entries(image.properties).map(([name, value]) =>
    Object.assign(new ImagePropertyRow(), { imageId: image.id, name, value }),
  );
}

/** Columns read for an image, by their names in the images table; rows list them in this order. */
export const IMAGE_COLUMNS = [
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo',
  'os_hash_value', 'owner', 'size', 'virtual_size', 'container_format', 'disk_format', 'min_ram',
  'min_disk', 'created_at', 'updated_at', 'locations', 'revision',
] as const;

/** SQL dialects that the repositories write for. */
export type SqlDialect = 'sqlite' | 'mysql';

const JSON_AGGREGATES: Record<SqlDialect, { array: string; object: string }> = {
  sqlite: { array: 'json_group_array', object: 'json_group_object' },
  mysql: { array: 'JSON_ARRAYAGG', object: 'JSON_OBJECTAGG' },
};

/**
 * Returns `SELECT ... FROM images i` with IMAGE_COLUMNS, then the image's
 * tags as a JSON array and its properties as a JSON object, so that a page
 * of images with their tags and properties is one query.
 */
export function selectImagesSql(dialect: SqlDialect): string {
  const { array, object } = JSON_AGGREGATES[dialect];
  return (
    `SELECT ${IMAGE_COLUMNS.map((column) => `i.${column}`).join(', ')}, ` +
    `(SELECT ${array}(t.value) FROM image_tags t WHERE t.image_id = i.id) AS tags, ` +
    `(SELECT ${object}(p.name, p.value) FROM image_properties p WHERE p.image_id = i.id) AS properties ` +
    'FROM images i'
  );
}

/** Reads a datetime column: mysql2 returns a Date, SQLite a UTC `YYYY-MM-DD HH:MM:SS.SSS` string. */
function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
}

function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Reads an aggregate of selectImagesSql: JSON text, or a value that the
 * driver already parsed from a JSON column. MariaDB returns NULL for no rows.
 */
function fromJson<T>(value: unknown, empty: T): T {
  if (value === null || value === undefined) return empty;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * Maps a row of selectImagesSql to an Image (without TypeORM's entity
 * transformation, which costs more than the query).
 */
export function rowToImage(row: readonly unknown[]): Image {
  const [
    id, name, status, visibility, isProtected, osHidden, checksum, osHashAlgo,
    osHashValue, owner, size, virtualSize, containerFormat, diskFormat, minRam,
    minDisk, createdAt, updatedAt, locations, revision, tags, properties,
  ] = row;
  return {
    id: id as string,
    name: name as string | null,
    status: status as ImageStatus,
    visibility: visibility as Visibility,
    protected: Boolean(Number(isProtected)),
    osHidden: Boolean(Number(osHidden)),
    checksum: checksum as string | null,
    osHashAlgo: osHashAlgo as string | null,
    osHashValue: osHashValue as string | null,
    owner: owner as string | null,
    size: toNumberOrNull(size),
    virtualSize: toNumberOrNull(virtualSize),
    containerFormat: containerFormat as string | null,
    diskFormat: diskFormat as string | null,
    minRam: Number(minRam),
    minDisk: Number(minDisk),
    createdAt: toDate(createdAt),
    updatedAt: toDate(updatedAt),
    tags: fromJson<string[]>(tags, []),
    properties: fromJson<Record<string, string | null>>(properties, {}),
    locations: JSON.parse(String(locations)) as ImageLocation[],
    revision: Number(revision),
  };
}
