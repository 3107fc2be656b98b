import { InvalidInput } from '../errors';
import { ImageStatus, transition } from './image-status';

export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface ImageLocation {
  url: string;
  metadata: Record<string, unknown>;
}

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  osHidden: boolean;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  owner: string | null;
  size: number | null;
  virtualSize: number | null;
  containerFormat: string | null;
  diskFormat: string | null;
  minRam: number;
  minDisk: number;
  createdAt: Date;
  updatedAt: Date;
  tags: string[];
  /** Custom (additional) properties; values are strings, or null where the schema allows it. */
  properties: Record<string, string | null>;
  locations: ImageLocation[];
  /**
   * Stored revision, incremented by every repository update. Set on images
   * read from a repository and absent on ones not stored yet.
   */
  revision?: number;
}

const NEEDS_FORMATS: readonly ImageStatus[] = ['saving', 'active', 'importing'];

/**
 * Returns a copy of the image in the new status, after checking the
 * transition table and Glance's side rules: data-bearing statuses need both
 * formats set, and going back to queued forgets the size.
 */
export function withStatus(image: Image, to: ImageStatus): Image {
  const status = transition(image.status, to);
  const fromEmpty = image.status === 'queued' || image.status === 'uploading';

  if (fromEmpty && NEEDS_FORMATS.includes(to)) {
    requireFormats(image);
  }
  if (to === 'queued') {
    return { ...image, status, size: null, virtualSize: null };
  }
  return { ...image, status };
}

export function requireFormats(image: Image): void {
  const missing: string[] = [];
  if (image.containerFormat === null) missing.push('container_format');
  if (image.diskFormat === null) missing.push('disk_format');
  if (missing.length > 0) {
    throw new InvalidInput('formats_required', { properties: missing.join(', ') });
  }
}
