import { MIB } from '../model/quota';
import { QuotaGuard } from './quota-guard';
import { Conflict, Forbidden, Gone, InvalidInput, QuotaExceeded, RangeNotSatisfiable } from '../errors';
import { FormatInspector, inspectedVirtualSize, inspectingSource } from '../model/format-inspector';
import { Image, withStatus } from '../model/image';
import { withLocations } from '../model/image-stores';
import { DataStores } from '../ports/data-stores.port';
import { RequestContext } from '../model/request-context';
import { Policy } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { ByteRange, ByteSource, ImageDataStore } from '../ports/image-data-store.port';
import { ImageRepository } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';

export interface ImageDataSettings {
  /** Largest image in bytes (Glance's image_size_cap). */
  imageSizeCap: number;
}

export interface ImageDataServiceDeps {
  images: ImageRepository;
  members: MemberRepository;
  data: ImageDataStore;
  policy: Policy;
  clock: Clock;
  settings: ImageDataSettings;
  /** The named stores; without them every upload goes to `data`. */
  stores?: DataStores;
  /** Per-project limits; without it uploads are not counted. */
  quotas?: QuotaGuard;
}

/** A requested byte range as the client wrote it: `a-b`, `a-` or the suffix `-n`. */
export interface RangeRequest {
  start: number | null;
  end: number | null;
}

export interface ImageDownload {
  image: Image;
  /** Null when the image has no data. */
  body: ByteSource | null;
  range: ByteRange | null;
}

/** Use cases on image data: upload and download. */
export class ImageDataService {
  private readonly access: ImageAccess;

  constructor(private readonly deps: ImageDataServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
  }

  /**
   * Streams the data into the store and activates the image. The image is
   * `saving` while the bytes arrive; only one of several concurrent uploads
   * gets there, the others get Conflict. Data whose format contradicts the
   * declared disk_format, or fails its safety check, is rejected with
   * UnsupportedMediaType before any of it reaches the store. On any failure
   * the partial data is removed and the image goes back to `queued`.
   */
  async upload(
    ctx: RequestContext,
    id: string,
    source: ByteSource,
    declaredSize: number | null,
    storeId: string | null = null,
  ): Promise<Image> {
    const { image } = await this.access.loadFor(ctx, id, 'upload_image');
    const store = this.chooseStore(storeId);
    const cap = this.deps.settings.imageSizeCap;
    if (declaredSize !== null && declaredSize > cap) {
      throw new QuotaExceeded('image_size_cap_exceeded', { limit: cap });
    }

    const quotas = this.deps.quotas;
    const sizeMiB = declaredSize === null ? 0 : Math.ceil(declaredSize / MIB);
    await quotas?.check(ctx, { image_count_uploading: 1, image_size_total: sizeMiB });
    const limited = quotas === undefined ? source : await quotas.limitData(ctx, source, 'image_size_total');

    const saving = { ...withStatus(image, 'saving'), updatedAt: this.deps.clock.now() };
    if (!(await this.deps.images.update(saving, { status: image.status }))) {
      throw new Conflict('image_changed_concurrently', { id });
    }

    let stored;
    const inspector = new FormatInspector();
    try {
      const inspected = inspectingSource(limited, saving, inspector);
      stored = await store.put(id, inspected, { maxSize: cap });
    } catch (error) {
      await this.restoreQueued(saving);
      throw error;
    }

    const active: Image = {
      ...withStatus(saving, 'active'),
      size: stored.size,
      virtualSize: inspectedVirtualSize(saving, inspector),
      checksum: stored.checksum,
      osHashAlgo: stored.hashAlgo,
      osHashValue: stored.hashValue,
      updatedAt: this.deps.clock.now(),
    };
    const location = { url: stored.url, metadata: { store: store.storeId } };
    const located = withLocations(active, [location], this.deps.stores?.multiStore ?? false);
    if (!(await this.deps.images.update(located, { status: 'saving' }))) {
      await store.delete(stored.url);
      throw new Gone('image_deleted_during_upload', { id });
    }
    return located;
  }

  /**
   * Returns the store named by X-Image-Meta-Store, or the default one. Like
   * Glance, a single-store deployment ignores the header.
   */
  private chooseStore(storeId: string | null): ImageDataStore {
    const stores = this.deps.stores;
    if (stores === undefined || !stores.multiStore || storeId === null) return this.deps.data;
    const store = stores.find(storeId);
    if (store === null) throw new InvalidInput('store_unknown', { store: storeId });
    return store;
  }

  async download(ctx: RequestContext, id: string, range: RangeRequest | null): Promise<ImageDownload> {
    const { image, target } = await this.access.load(ctx, id);
    if (image.status === 'deactivated' && !ctx.isAdmin) {
      throw new Forbidden('image_deactivated', { id });
    }
    this.deps.policy.enforce('download_image', ctx, target);

    const location = image.locations[0];
    if (location === undefined || image.size === null) return { image, body: null, range: null };

    const byteRange = range === null ? null : resolveRange(range, image.size);
    const body = await this.deps.data.get(location.url, byteRange ?? undefined);
    return { image, body, range: byteRange };
  }

  private async restoreQueued(saving: Image): Promise<void> {
    const queued = { ...withStatus(saving, 'queued'), updatedAt: this.deps.clock.now() };
    await this.deps.images.update(queued, { status: 'saving' });
  }
}

/** Turns a client's range into absolute byte positions, or throws RangeNotSatisfiable. */
export function resolveRange(range: RangeRequest, size: number): ByteRange {
  if (range.start === null) {
    if (range.end === null || size === 0) {
      throw new RangeNotSatisfiable('range_not_satisfiable', { size });
    }
    // webob, under Glance, parses the suffix `-0` as the start 0, so it
    // serves the whole data rather than rejecting an empty suffix.
    if (range.end === 0) return { start: 0, end: size - 1 };
    return { start: Math.max(0, size - range.end), end: size - 1 };
  }
  if (range.start >= size) throw new RangeNotSatisfiable('range_not_satisfiable', { size });
  if (range.end !== null && range.end < range.start) {
    throw new RangeNotSatisfiable('range_not_satisfiable', { size });
  }
  return { start: range.start, end: range.end === null ? size - 1 : Math.min(range.end, size - 1) };
}
