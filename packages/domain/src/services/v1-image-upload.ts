import { Conflict, Gone, InvalidInput } from '../errors';
import { captureHead, inspectVirtualSize } from '../model/format-inspector';
import { Image, withStatus } from '../model/image';
import { Clock } from '../ports/clock.port';
import {
  ByteSource,
  ImageDataStore,
  StoredData,
} from '../ports/image-data-store.port';
import { ImageRepository } from '../ports/image-repository.port';

/** The body of a v1 create or update request that carries image data. */
export interface V1ImageData {
  source: ByteSource;
  /** Content-Length of the request, or null for a chunked body. */
  length: number | null;
  /** Media type of the body, lower-cased and without parameters. */
  mediaType: string | undefined;
}

export interface V1UploadDeps {
  images: ImageRepository;
  data: ImageDataStore;
  clock: Clock;
  /** Largest image in bytes (Glance's image_size_cap). */
  imageSizeCap: number;
}

/**
 * Streams v1 image data into the store and activates the image, as Glance
 * v1 did: the image is `saving` while the bytes arrive, and any failure
 * leaves it `killed` with no data stored (v2 puts it back to `queued`).
 * A size or checksum that the image record declares must match the data.
 */
export async function storeV1Data(
  deps: V1UploadDeps,
  image: Image,
  data: V1ImageData,
): Promise<Image> {
  const saving = {
    ...withStatus(image, 'saving'),
    updatedAt: deps.clock.now(),
  };
  if (!(await deps.images.update(saving, { status: image.status }))) {
    throw new Conflict('image_changed_concurrently', { id: image.id });
  }

  let stored: StoredData;
  const head = { bytes: new Uint8Array(0) };
  try {
    stored = await deps.data.put(image.id, captureHead(data.source, head), {
      maxSize: deps.imageSizeCap,
    });
  } catch (error) {
    await kill(deps, saving);
    throw error;
  }

  const mismatch = findMismatch(saving, stored);
  if (mismatch !== null) {
    await deps.data.delete(stored.url);
    await kill(deps, saving);
    throw new InvalidInput('v1_upload_mismatch', mismatch);
  }

  const active: Image = {
    ...withStatus(saving, 'active'),
    size: stored.size,
    virtualSize: inspectVirtualSize(saving, head.bytes, stored.size),
    checksum: stored.checksum,
    osHashAlgo: stored.hashAlgo,
    osHashValue: stored.hashValue,
    locations: [{ url: stored.url, metadata: { store: deps.data.storeId } }],
    updatedAt: deps.clock.now(),
  };
  if (!(await deps.images.update(active, { status: 'saving' }))) {
    await deps.data.delete(stored.url);
    // NOTE: Glance v1 returns 412 here, but the Gone family maps to 410, as for v2.
    throw new Gone('image_deleted_during_upload', { id: image.id });
  }
  return active;
}

/**
 * Compares a declared size or checksum only when it is set, as Glance does
 * (a size of 0 counts as unset).
 */
function findMismatch(
  image: Image,
  stored: StoredData,
): Record<string, string | number> | null {
  if (image.size !== null && image.size !== 0 && image.size !== stored.size) {
    return { attribute: 'size', supplied: image.size, actual: stored.size };
  }
  if (
    image.checksum !== null &&
    image.checksum !== '' &&
    image.checksum !== stored.checksum
  ) {
    return {
      attribute: 'checksum',
      supplied: image.checksum,
      actual: stored.checksum,
    };
  }
  return null;
}

/** Marks a failed upload killed, unless the image changed or went away in the meantime. */
async function kill(deps: V1UploadDeps, saving: Image): Promise<void> {
  const killed = {
    ...withStatus(saving, 'killed'),
    updatedAt: deps.clock.now(),
  };
  await deps.images.update(killed, { status: 'saving' });
}
