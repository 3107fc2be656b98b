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

/** Columns read for an image, by their names in the images table. */
export const IMAGE_COLUMNS = [
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo',
  'os_hash_value', 'owner', 'size', 'virtual_size', 'container_format', 'disk_format', 'min_ram',
  'min_disk', 'created_at', 'updated_at', 'locations', 'revision',
] as const;

export type RawImage = Record<(typeof IMAGE_COLUMNS)[number], unknown>;

/** Reads a datetime column: mysql2 returns a Date, SQLite a UTC `YYYY-MM-DD HH:MM:SS.SSS` string. */
function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
}

function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Maps a raw row (no entity transformation, which costs more than the query) to an Image. */
export function rawToImage(raw: RawImage, tags: string[], properties: Record<string, string | null>): Image {
  return {
    id: raw.id as string,
    name: raw.name as string | null,
    status: raw.status as ImageStatus,
    visibility: raw.visibility as Visibility,
    protected: Boolean(Number(raw.protected)),
    osHidden: Boolean(Number(raw.os_hidden)),
    checksum: raw.checksum as string | null,
    osHashAlgo: raw.os_hash_algo as string | null,
    osHashValue: raw.os_hash_value as string | null,
    owner: raw.owner as string | null,
    size: toNumberOrNull(raw.size),
    virtualSize: toNumberOrNull(raw.virtual_size),
    containerFormat: raw.container_format as string | null,
    diskFormat: raw.disk_format as string | null,
    minRam: Number(raw.min_ram),
    minDisk: Number(raw.min_disk),
    createdAt: toDate(raw.created_at),
    updatedAt: toDate(raw.updated_at),
    tags,
    properties,
    locations: JSON.parse(String(raw.locations)) as ImageLocation[],
    revision: Number(raw.revision),
  };
}
