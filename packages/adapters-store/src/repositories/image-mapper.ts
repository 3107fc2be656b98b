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
  return row;
}

export function toImage(row: ImageRow, tags: string[], properties: Record<string, string | null>): Image {
  return {
    id: row.id,
    name: row.name,
    status: row.status as ImageStatus,
    visibility: row.visibility as Visibility,
    protected: Boolean(row.protected),
    osHidden: Boolean(row.osHidden),
    checksum: row.checksum,
    osHashAlgo: row.osHashAlgo,
    osHashValue: row.osHashValue,
    owner: row.owner,
    size: row.size,
    virtualSize: row.virtualSize,
    containerFormat: row.containerFormat,
    diskFormat: row.diskFormat,
    minRam: row.minRam,
    minDisk: row.minDisk,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    tags,
    properties,
    locations: JSON.parse(row.locations) as ImageLocation[],
  };
}

export function tagRows(image: Image): ImageTagRow[] {
  return image.tags.map((value) => Object.assign(new ImageTagRow(), { imageId: image.id, value }));
}

export function propertyRows(image: Image): ImagePropertyRow[] {
  return Object.entries(image.properties).map(([name, value]) =>
    Object.assign(new ImagePropertyRow(), { imageId: image.id, name, value }),
  );
}
