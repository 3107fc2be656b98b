import { Image, Member, setOwnValue } from '@iris/domain';

/** Properties that Glance keeps for itself and never shows. */
const HIDDEN_PROPERTIES = new Set(['os_glance_stage_host', 'os_glance_hash_op_host']);

/** Glance's time format: ISO 8601 in UTC with no fraction. */
export function isoTime(date: Date): string {
  const text = date.toISOString();
  // YYYY-MM-DDTHH:MM:SS.sssZ; years past 9999 have a sign and more digits.
  return text.length === 24 ? `${text.slice(0, 19)}Z` : text.replace(/\.\d{3}Z$/, 'Z');
}

/** The API representation of an image (show, list items and PATCH responses). */
export function imageView(image: Image): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(image.properties)) {
    if (!HIDDEN_PROPERTIES.has(key)) setOwnValue(view, key, value);
  }
  return Object.assign(view, {
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.osHidden,
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    owner: image.owner,
    size: image.size,
    virtual_size: image.virtualSize,
    container_format: image.containerFormat,
    disk_format: image.diskFormat,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    created_at: isoTime(image.createdAt),
    updated_at: isoTime(image.updatedAt),
    tags: image.tags,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
}

export function memberView(member: Member): Record<string, unknown> {
  return {
    member_id: member.memberId,
    image_id: member.imageId,
    status: member.status,
    created_at: isoTime(member.createdAt),
    updated_at: isoTime(member.updatedAt),
    schema: '/v2/schemas/member',
  };
}
