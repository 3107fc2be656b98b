import { Forbidden } from '../errors';
import { Image } from './image';
import { RequestContext } from './request-context';
import { V1ImageMetadata, visibilityForIsPublic } from './v1-image-metadata';

/** Metadata that only an administrator may change once the image has data. */
const ACTIVE_IMMUTABLE = ['size', 'checksum'] as const;
/** Metadata that no caller may change. */
const IMMUTABLE = ['status', 'id'] as const;

/**
 * Rejects a change to the id or status, and a non-administrator's change to
 * the size or checksum of an image that has data.
 */
export function checkV1Immutable(
  ctx: RequestContext,
  image: Image,
  meta: V1ImageMetadata,
): void {
  const current = {
    size: image.size,
    checksum: image.checksum,
    status: image.status,
    id: image.id,
  };
  const hasData = image.status === 'active' || image.status === 'deactivated';
  if (!ctx.isAdmin && hasData) {
    for (const key of ACTIVE_IMMUTABLE) {
      const value = meta[key];
      if (value !== undefined && value !== null && value !== current[key]) {
        throw new Forbidden('v1_active_attribute_immutable', {
          attribute: key,
        });
      }
    }
  }
  for (const key of IMMUTABLE) {
    const value = meta[key];
    if (value !== undefined && value !== null && value !== current[key]) {
      throw new Forbidden('v1_attribute_immutable', { attribute: key });
    }
  }
}

/**
 * Applies the headers of a v1 update to the image. Like Glance, it ignores
 * created_at, deleted and similar headers.
 */
export function applyV1Metadata(
  ctx: RequestContext,
  image: Image,
  meta: V1ImageMetadata,
  purge: boolean,
): Image {
  const changed: Image = {
    ...image,
    visibility: visibilityForIsPublic(image.visibility, meta.isPublic),
    properties: purge
      ? { ...meta.properties }
      : { ...image.properties, ...meta.properties },
  };
  if (meta.name !== undefined) changed.name = meta.name;
  if (meta.diskFormat !== undefined) changed.diskFormat = meta.diskFormat;
  if (meta.containerFormat !== undefined) {
    changed.containerFormat = meta.containerFormat;
  }
  if (meta.size !== undefined) changed.size = meta.size;
  if (meta.checksum !== undefined) changed.checksum = meta.checksum;
  if (meta.virtualSize !== undefined) changed.virtualSize = meta.virtualSize;
  if (meta.minRam !== undefined) changed.minRam = meta.minRam;
  if (meta.minDisk !== undefined) changed.minDisk = meta.minDisk;
  if (meta.protected !== undefined) changed.protected = meta.protected;
  // Glance's registry drops the owner of a non-administrator's update.
  if (meta.owner !== undefined && ctx.isAdmin) changed.owner = meta.owner;
  return changed;
}
