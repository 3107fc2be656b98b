import { InvalidInput } from '../errors';
import { Image, Visibility } from './image';
import { FormatSettings } from './image-schema';
import { checkPropertyKey, MAX_INT32 } from './image-rules';

/**
 * Image fields that a v1 request gives in its `x-image-meta-*` headers,
 * already parsed. An absent field stays unchanged on update, and null means
 * a header sent with an empty value.
 */
export interface V1ImageMetadata {
  id?: string | null;
  name?: string | null;
  /** Compared with the current status only, because v1 clients cannot change it. */
  status?: string | null;
  diskFormat?: string | null;
  containerFormat?: string | null;
  /** The size the client declares; an upload must then produce exactly this many bytes. */
  size?: number;
  virtualSize?: number | null;
  /** The MD5 the client declares; an upload must then produce exactly this digest. */
  checksum?: string | null;
  minRam?: number;
  minDisk?: number;
  owner?: string | null;
  isPublic?: boolean;
  protected?: boolean;
  /** Store that should keep the data (`x-image-meta-store`). */
  store?: string | null;
  /** A URL to take the data from (`x-image-meta-location` or `x-glance-api-copy-from`). */
  externalSource?: string;
  /** Custom properties, with the names already normalised. */
  properties: Record<string, string | null>;
}

/** Formats that Glance v1 treats as the Amazon kernel, ramdisk and machine images. */
const AMAZON_FORMATS = ['aki', 'ari', 'ami'];

const MAX_NAME_LENGTH = 255;
const MAX_CHECKSUM_LENGTH = 32;

/** Glance v1 accepts a UUID with or without its dashes. */
const V1_UUID =
  /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isV1Uuid(value: string): boolean {
  return V1_UUID.test(value);
}

/**
 * Checks the header values in Glance v1's order and returns the metadata
 * with Amazon formats completed: naming aki, ari or ami for one format and
 * leaving the other out sets both to that value.
 */
export function normaliseV1Metadata(
  meta: V1ImageMetadata,
  formats: FormatSettings,
): V1ImageMetadata {
  const normalised = normaliseFormats(meta, formats);

  if (
    typeof normalised.name === 'string' &&
    [...normalised.name].length > MAX_NAME_LENGTH
  ) {
    throw new InvalidInput('v1_name_too_long', {
      length: [...normalised.name].length,
    });
  }
  if (
    typeof normalised.checksum === 'string' &&
    normalised.checksum.length > MAX_CHECKSUM_LENGTH
  ) {
    throw new InvalidInput('v1_checksum_too_long', {
      checksum: normalised.checksum,
    });
  }
  for (const [attribute, value] of [
    ['min_ram', normalised.minRam],
    ['min_disk', normalised.minDisk],
  ] as const) {
    if (value !== undefined && value > MAX_INT32) {
      throw new InvalidInput('value_too_large', {
        attribute,
        value,
        maximum: MAX_INT32,
      });
    }
  }
  Object.keys(normalised.properties).forEach(checkPropertyKey);
  return normalised;
}

function normaliseFormats(
  meta: V1ImageMetadata,
  formats: FormatSettings,
): V1ImageMetadata {
  if (
    meta.diskFormat !== undefined &&
    !formats.diskFormats.includes(meta.diskFormat ?? '')
  ) {
    throw new InvalidInput('v1_invalid_disk_format', {
      format: meta.diskFormat ?? 'None',
    });
  }
  if (
    meta.containerFormat !== undefined &&
    !formats.containerFormats.includes(meta.containerFormat ?? '')
  ) {
    throw new InvalidInput('v1_invalid_container_format', {
      format: meta.containerFormat ?? 'None',
    });
  }

  const disk = meta.diskFormat ?? null;
  const container = meta.containerFormat ?? null;
  if (
    !AMAZON_FORMATS.includes(disk ?? '') &&
    !AMAZON_FORMATS.includes(container ?? '')
  )
    return meta;
  if (disk === null) return { ...meta, diskFormat: container };
  if (container === null) return { ...meta, containerFormat: disk };
  if (disk !== container) throw new InvalidInput('v1_amazon_formats_mismatch');
  return meta;
}

/** Checks that both formats are set before data arrives, naming the missing one as v1 does. */
export function requireV1Formats(
  image: Pick<Image, 'diskFormat' | 'containerFormat'>,
): void {
  if (image.diskFormat === null) {
    throw new InvalidInput('v1_disk_format_required');
  }
  if (image.containerFormat === null) {
    throw new InvalidInput('v1_container_format_required');
  }
}

/**
 * Maps v1's is_public onto v2's visibility. True makes the image public.
 * False makes a public image shared, which is the v2 default and what
 * Glance's glance/db/utils.py stores for a v1 is_public=false since Ocata.
 * False leaves a private,
 * shared or community image as it is, because none of them is public.
 */
export function visibilityForIsPublic(
  current: Visibility,
  isPublic: boolean | undefined,
): Visibility {
  if (isPublic === true) return 'public';
  if (isPublic === false && current === 'public') return 'shared';
  return current;
}

/** v1 shows every visibility but public as `is_public: false`. */
export function isPublicImage(image: Pick<Image, 'visibility'>): boolean {
  return image.visibility === 'public';
}
