import { QuotaGuard } from './quota-guard';
import { Conflict, Forbidden, NotFound, PolicyDenied, ProtectedImageDelete } from '../errors';
import { Image, withStatus } from '../model/image';
import { parseImageListQuery, PagingSettings, QueryParameters } from '../model/image-list-query';
import { applyPatch, parsePatch, PatchDialect } from '../model/image-patch';
import { checkAttributeValue, checkQuotas, ImageSettings, parseImageDraft } from '../model/image-rules';
import { RequestContext } from '../model/request-context';
import { Policy, PolicyTarget } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { IdGenerator } from '../ports/id-generator.port';
import { ImageDataStore } from '../ports/image-data-store.port';
import { afterUpdate, ImageRepository, unchangedSince } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';

export interface ImageServiceSettings extends ImageSettings {
  paging: PagingSettings;
}

export interface ImageServiceDeps {
  images: ImageRepository;
  members: MemberRepository;
  data: ImageDataStore;
  policy: Policy;
  clock: Clock;
  ids: IdGenerator;
  settings: ImageServiceSettings;
  /** Per-project limits; without it images are not counted. */
  quotas?: QuotaGuard;
}

/** Use cases on image records: create, read, list, patch, tag, delete, (de)activate. */
export class ImageService {
  private readonly access: ImageAccess;

  constructor(private readonly deps: ImageServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
  }

  async create(ctx: RequestContext, body: unknown): Promise<Image> {
    const draft = parseImageDraft(body, this.deps.settings);
    const owner = draft.owner === undefined ? ctx.projectId : draft.owner;
    const target = { owner, visibility: draft.visibility ?? 'shared' };

    const ownerAllowed = ctx.isAdmin || owner === ctx.projectId;
    if (!ownerAllowed || !this.deps.policy.allows('add_image', ctx, target)) {
      // Like Glance, the message names the owner when a foreign owner is the reason.
      if (owner !== ctx.projectId) throw new Forbidden('owner_not_permitted', { owner: String(owner) });
      throw new PolicyDenied('add_image');
    }
    this.enforceVisibility(ctx, target.visibility, target);
    await this.deps.quotas?.check(ctx, { image_count_total: 1 });

    const now = this.deps.clock.now();
    const image: Image = {
      id: draft.id ?? this.deps.ids.newId(),
      name: draft.name,
      status: 'queued',
      visibility: draft.visibility ?? 'shared',
      protected: draft.protected,
      osHidden: draft.osHidden,
      checksum: null,
      osHashAlgo: null,
      osHashValue: null,
      owner,
      size: null,
      virtualSize: null,
      containerFormat: draft.containerFormat,
      diskFormat: draft.diskFormat,
      minRam: draft.minRam,
      minDisk: draft.minDisk,
      createdAt: now,
      updatedAt: now,
      tags: draft.tags,
      properties: draft.properties,
      locations: [],
    };
    await this.deps.images.add(image);
    return image;
  }

  async get(ctx: RequestContext, id: string): Promise<Image> {
    return (await this.access.load(ctx, id)).image;
  }

  /** Returns one page; a full page (as many images as the limit) may have a next one. */
  async list(ctx: RequestContext, params: QueryParameters): Promise<{ images: Image[]; limit: number }> {
    this.deps.policy.enforce('get_images', ctx);
    const query = parseImageListQuery(params, this.deps.settings.paging);
    const viewer = { isAdmin: ctx.isAdmin, projectId: ctx.projectId };
    return { images: await this.deps.images.list(query, viewer), limit: query.limit };
  }

  async patch(ctx: RequestContext, id: string, body: unknown, dialect: PatchDialect): Promise<Image> {
    const operations = parsePatch(body, dialect, this.deps.settings);
    const { image, target } = await this.access.loadFor(ctx, id, 'modify_image');
    if (operations.length === 0) return image;

    const changed = applyPatch(image, operations, dialect, this.deps.settings);
    if (changed.owner !== image.owner && !ctx.isAdmin) {
      throw new Forbidden('owner_change_not_permitted');
    }
    // Glance checks the visibility rule for each operation that sets it, even to the current value.
    for (const operation of operations) {
      if (operation.path[0] === 'visibility' && operation.op !== 'remove') {
        this.enforceVisibility(ctx, operation.value, target);
      }
    }
    return this.save(image, { ...changed, updatedAt: this.deps.clock.now() });
  }

  async addTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const { image } = await this.access.loadFor(ctx, id, 'modify_image');
    if (image.tags.includes(tag)) return;

    const changed = { ...image, tags: [...image.tags, tag], updatedAt: this.deps.clock.now() };
    checkAttributeValue('tags', changed.tags, this.deps.settings.formats);
    checkQuotas(changed, this.deps.settings);
    await this.save(image, changed);
  }

  async removeTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    const { image } = await this.access.loadFor(ctx, id, 'modify_image');
    if (!image.tags.includes(tag)) throw new NotFound('tag_not_found', { tag });

    const tags = image.tags.filter((item) => item !== tag);
    await this.save(image, { ...image, tags, updatedAt: this.deps.clock.now() });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const { image } = await this.access.loadFor(ctx, id, 'delete_image');
    if (image.protected) throw new ProtectedImageDelete(id);

    withStatus(image, 'deleted');
    const deleted = await this.deps.images.markDeleted(id, image.status, this.deps.clock.now());
    if (!deleted) throw new Conflict('image_changed_concurrently', { id });
    // The data goes first, so that a failure while removing the members
    // leaves no data behind. An image deleted while `saving` has no location
    // yet: its upload removes the data when its final update fails.
    for (const location of image.locations) {
      await this.deps.data.delete(location.url);
    }
    await this.deps.members.removeAll(id);
  }

  async deactivate(ctx: RequestContext, id: string): Promise<void> {
    const { image } = await this.access.loadFor(ctx, id, 'deactivate');
    if (image.status === 'deactivated') return;
    if (image.status !== 'active') {
      throw new Forbidden('deactivate_not_allowed', { status: image.status });
    }
    await this.save(image, { ...withStatus(image, 'deactivated'), updatedAt: this.deps.clock.now() });
  }

  async reactivate(ctx: RequestContext, id: string): Promise<void> {
    const { image } = await this.access.loadFor(ctx, id, 'reactivate');
    if (image.status === 'active') return;
    if (image.status !== 'deactivated') {
      throw new Forbidden('reactivate_not_allowed', { status: image.status });
    }
    await this.save(image, { ...withStatus(image, 'active'), updatedAt: this.deps.clock.now() });
  }

  private enforceVisibility(ctx: RequestContext, to: unknown, target: PolicyTarget): void {
    if (to === 'public') this.deps.policy.enforce('publicize_image', ctx, target);
    if (to === 'community') this.deps.policy.enforce('communitize_image', ctx, target);
  }

  /** Writes the change only if no other request changed the image since it was read. */
  private async save(before: Image, after: Image): Promise<Image> {
    const saved = await this.deps.images.update(after, unchangedSince(before));
    if (!saved) throw new Conflict('image_changed_concurrently', { id: before.id });
    return afterUpdate(before, after);
  }
}
