import {
  Conflict,
  Forbidden,
  InvalidInput,
  NotFound,
  QuotaExceeded,
} from '../errors';
import { Image, Visibility } from '../model/image';
import { PagingSettings, QueryParameters } from '../model/image-list-query';
import { FormatSettings } from '../model/image-schema';
import { transition } from '../model/image-status';
import { RequestContext } from '../model/request-context';
import { parseV1ListQuery } from '../model/v1-image-list-query';
import { applyV1Metadata, checkV1Immutable } from '../model/v1-image-update';
import {
  isV1Uuid,
  normaliseV1Metadata,
  requireV1Formats,
  V1ImageMetadata,
} from '../model/v1-image-metadata';
import { Policy, PolicyTarget } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { IdGenerator } from '../ports/id-generator.port';
import { ByteSource, ImageDataStore } from '../ports/image-data-store.port';
import { afterUpdate, ImageRepository, unchangedSince } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';
import { storeV1Data, V1ImageData } from './v1-image-upload';

export interface V1ImageSettings {
  formats: FormatSettings;
  paging: PagingSettings;
  /** Custom properties per image; negative means unlimited. */
  propertyQuota: number;
  /** Largest image in bytes (Glance's image_size_cap). */
  imageSizeCap: number;
  /** Store names that `x-image-meta-store` may give. */
  storeNames: readonly string[];
}

export interface V1ImageServiceDeps {
  images: ImageRepository;
  members: MemberRepository;
  data: ImageDataStore;
  policy: Policy;
  clock: Clock;
  ids: IdGenerator;
  settings: V1ImageSettings;
}

export interface V1ImageDownload {
  image: Image;
  /** Null when the image is empty (size 0). */
  body: ByteSource | null;
}

/**
 * The Images API v1 (Glance Queens) on the same images as v2. Metadata
 * comes from request headers, data may come with the create or update
 * request, and a failed upload leaves the image `killed`.
 */
export class V1ImageService {
  private readonly access: ImageAccess;

  constructor(private readonly deps: V1ImageServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
  }

  /** Lists shared images whatever their member status; see parseV1ListQuery for is_public. */
  async list(ctx: RequestContext, params: QueryParameters): Promise<Image[]> {
    this.deps.policy.enforce('get_images', ctx);
    const { query, viewer } = parseV1ListQuery(
      params,
      ctx,
      this.deps.settings.paging,
    );
    // An SQL LIMIT of 0 means no limit to TypeORM, but v1 returns an empty page.
    if (query.limit === 0) return [];
    return this.deps.images.list(query, viewer);
  }

  async get(ctx: RequestContext, id: string): Promise<Image> {
    return (await this.access.load(ctx, id)).image;
  }

  /** Returns the data of an active image. v1 rejects a deactivated image for admins too. */
  async download(ctx: RequestContext, id: string): Promise<V1ImageDownload> {
    const { image, target } = await this.access.load(ctx, id);
    if (image.status === 'deactivated') {
      throw new Forbidden('v1_image_deactivated', { id });
    }
    if (image.status !== 'active') {
      throw new NotFound('v1_image_not_active', { id });
    }
    this.deps.policy.enforce('download_image', ctx, target);

    if (image.size === 0) return { image, body: null };
    const location = image.locations[0];
    if (location === undefined) {
      throw new NotFound('image_data_not_found', { url: '' });
    }
    return { image, body: await this.deps.data.get(location.url) };
  }

  /**
   * Creates an image from v1 headers. Without data the image stays
   * `queued`, or becomes an empty `active` image when the declared size is
   * 0. With data it becomes `active`, or `killed` when the upload fails.
   */
  async create(
    ctx: RequestContext,
    requested: V1ImageMetadata,
    data: V1ImageData | null,
  ): Promise<Image> {
    const meta = normaliseV1Metadata(requested, this.deps.settings.formats);
    this.checkDeclaredSize(meta, data);

    // Only an administrator chooses the owner, and Glance ignores anyone else's.
    const owner =
      ctx.isAdmin && meta.owner !== undefined ? meta.owner : ctx.projectId;
    const visibility: Visibility = meta.isPublic === true ? 'public' : 'shared';
    this.enforceWrite(ctx, { owner, visibility }, 'add_image', meta, data);
    this.checkPropertyQuota(meta.properties);
    this.checkSource(meta, data);
    if (typeof meta.id === 'string' && !isV1Uuid(meta.id)) {
      throw new InvalidInput('v1_invalid_image_id');
    }

    const image = this.newImage(meta, owner, visibility, data === null);
    if (data !== null) requireV1Formats(image);
    await this.deps.images.add(image);
    return data === null ? image : this.upload(image, data);
  }

  /**
   * Updates an image from v1 headers, and uploads data to a queued image.
   * Unless purging is turned off, or data comes with the request, the given
   * properties replace all the old ones.
   */
  async update(
    ctx: RequestContext,
    id: string,
    requested: V1ImageMetadata,
    data: V1ImageData | null,
    purgeProperties: boolean,
  ): Promise<Image> {
    const meta = normaliseV1Metadata(requested, this.deps.settings.formats);
    this.checkDeclaredSize(meta, data);
    const { image, target } = await this.access.loadFor(
      ctx,
      id,
      'modify_image',
    );
    this.enforceWrite(ctx, target, null, meta, data);
    checkV1Immutable(ctx, image, meta);
    if (data !== null && image.status !== 'queued') {
      throw new Conflict('v1_upload_not_queued');
    }
    if (meta.externalSource !== undefined) {
      throw new InvalidInput('v1_external_source_unsupported', {
        source: meta.externalSource,
      });
    }

    const changed = applyV1Metadata(
      ctx,
      image,
      meta,
      purgeProperties && data === null,
    );
    this.checkPropertyQuota(changed.properties);
    if (data !== null) {
      this.checkSource(meta, data);
      requireV1Formats(changed);
    }
    const saved = await this.save(image, {
      ...changed,
      updatedAt: this.deps.clock.now(),
    });
    return data === null ? saved : this.upload(saved, data);
  }

  private enforceWrite(
    ctx: RequestContext,
    target: PolicyTarget,
    action: 'add_image' | null,
    meta: V1ImageMetadata,
    data: V1ImageData | null,
  ): void {
    if (action !== null) this.deps.policy.enforce(action, ctx, target);
    if (meta.isPublic === true) {
      this.deps.policy.enforce('publicize_image', ctx, target);
    }
    if (data !== null) this.deps.policy.enforce('upload_image', ctx, target);
  }

  /** Rejects a declared size or Content-Length over the cap before reading data, as Glance does. */
  private checkDeclaredSize(
    meta: V1ImageMetadata,
    data: V1ImageData | null,
  ): void {
    const declared = data?.length || meta.size;
    const cap = this.deps.settings.imageSizeCap;
    if (declared !== undefined && declared !== null && declared > cap) {
      throw new InvalidInput('v1_image_too_large', { limit: cap });
    }
  }

  private checkPropertyQuota(properties: Record<string, string | null>): void {
    const quota = this.deps.settings.propertyQuota;
    if (quota >= 0 && Object.keys(properties).length > quota) {
      throw new QuotaExceeded('property_quota_exceeded', { limit: quota });
    }
  }

  /**
   * NOTE: Iris has only its own store, so the v1 ways of pointing an image
   * at data elsewhere (a location, or a URL to copy from) are rejected, as
   * Glance rejects a source whose store it does not have.
   */
  private checkSource(meta: V1ImageMetadata, data: V1ImageData | null): void {
    if (meta.externalSource !== undefined) {
      throw new InvalidInput('v1_external_source_unsupported', {
        source: meta.externalSource,
      });
    }
    const { store } = meta;
    const names = this.deps.settings.storeNames;
    if (store !== undefined && store !== null && !names.includes(store)) {
      throw new InvalidInput('v1_store_unknown', {
        store,
        stores: names.join(', '),
      });
    }
    if (data !== null && data.mediaType !== 'application/octet-stream') {
      throw new InvalidInput('v1_content_type_invalid');
    }
  }

  private newImage(
    meta: V1ImageMetadata,
    owner: string | null,
    visibility: Visibility,
    empty: boolean,
  ): Image {
    const now = this.deps.clock.now();
    const image: Image = {
      id: meta.id ?? this.deps.ids.newId(),
      name: meta.name ?? null,
      status: 'queued',
      visibility,
      protected: meta.protected ?? false,
      osHidden: false,
      // A declared checksum and size wait on the record for the upload to match them.
      checksum: meta.checksum ?? null,
      osHashAlgo: null,
      osHashValue: null,
      owner,
      size: meta.size ?? 0,
      virtualSize: meta.virtualSize ?? null,
      containerFormat: meta.containerFormat ?? null,
      diskFormat: meta.diskFormat ?? null,
      minRam: meta.minRam ?? 0,
      minDisk: meta.minDisk ?? 0,
      createdAt: now,
      updatedAt: now,
      tags: [],
      properties: meta.properties,
      locations: [],
    };
    // Glance v1 activates an image declared empty at once, without data or formats.
    if (empty && meta.size === 0) {
      return { ...image, status: transition('queued', 'active') };
    }
    return image;
  }

  private upload(image: Image, data: V1ImageData): Promise<Image> {
    const { images, clock, settings } = this.deps;
    const deps = {
      images,
      clock,
      data: this.deps.data,
      imageSizeCap: settings.imageSizeCap,
    };
    return storeV1Data(deps, image, data);
  }

  private async save(before: Image, after: Image): Promise<Image> {
    const saved = await this.deps.images.update(after, unchangedSince(before));
    if (!saved) {
      throw new Conflict('image_changed_concurrently', { id: before.id });
    }
    return afterUpdate(before, after);
  }
}
