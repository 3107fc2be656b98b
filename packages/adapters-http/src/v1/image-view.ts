import { Image, isPublicImage, SharedMember } from '@iris/domain';

/** v1's time format, `2016-05-10T21:41:41.000000`: UTC with microseconds and no zone. */
export function v1Time(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/** Returns the fields of an image in v1 summary listings (`GET /v1/images`). */
export function v1SummaryView(image: Image): Record<string, unknown> {
  return {
    id: image.id,
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    size: image.size,
    checksum: image.checksum,
  };
}

/**
 * Returns the full v1 image record (detail listings, create and update
 * responses). Iris never shows a deleted image, so `deleted` is always false.
 */
export function v1ImageView(image: Image): Record<string, unknown> {
  return {
    ...v1SummaryView(image),
    status: image.status,
    is_public: isPublicImage(image),
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    virtual_size: image.virtualSize,
    created_at: v1Time(image.createdAt),
    updated_at: v1Time(image.updatedAt),
    deleted_at: null,
    deleted: false,
    properties: { ...image.properties },
  };
}

/** Python's str() of a value, which Glance writes into the headers. */
function pythonString(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return String(value);
}

/**
 * Encodes a header value as UTF-8 bytes. Node writes each character of a
 * header as one Latin-1 byte, so the UTF-8 bytes are passed as such.
 */
function headerValue(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Returns the image as `x-image-meta-<field>` and `x-image-meta-property-<name>`
 * headers (HEAD and GET of an image), leaving out fields without a value.
 * NOTE: a value that cannot be a header (a property name with `:` or a
 * space, a value with a line break, as v2 allows) is left out too, because
 * HTTP has no way to carry it.
 */
export function v1MetadataHeaders(image: Image): Record<string, string> {
  const headers: Record<string, string> = {};
  const add = (name: string, text: string): void => {
    if (HEADER_NAME.test(name) && !CONTROL_CHARACTER.test(text)) {
      headers[name] = headerValue(text);
    }
  };
  const { properties, deleted_at: _deletedAt, ...fields } = v1ImageView(image);
  for (const [name, value] of Object.entries(fields)) {
    if (value !== null) add(`x-image-meta-${name}`, pythonString(value));
  }
  for (const [name, value] of Object.entries(
    properties as Record<string, string | null>,
  )) {
    if (value !== null) {
      add(`x-image-meta-property-${name.toLowerCase()}`, value);
    }
  }
  return headers;
}

export function v1MemberView(member: SharedMember): Record<string, unknown> {
  return { member_id: member.memberId, can_share: member.canShare };
}

export function v1SharedImageView(
  member: SharedMember,
): Record<string, unknown> {
  return { image_id: member.imageId, can_share: member.canShare };
}
