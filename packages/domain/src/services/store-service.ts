import { Conflict, Forbidden, NotFound } from '../errors';
import { withLocations } from '../model/image-stores';
import { RequestContext } from '../model/request-context';
import { Policy } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { DataStores, StoreInfo } from '../ports/data-stores.port';
import { ImageRepository, unchangedSince } from '../ports/image-repository.port';
import { MemberRepository } from '../ports/member-repository.port';
import { ImageAccess } from './image-access';

export interface StoreServiceDeps {
  images: ImageRepository;
  members: MemberRepository;
  stores: DataStores;
  policy: Policy;
  clock: Clock;
}

/** Use cases on the stores of a multi-store deployment: discovery and deleting one copy. */
export class StoreService {
  private readonly access: ImageAccess;

  constructor(private readonly deps: StoreServiceDeps) {
    this.access = new ImageAccess(deps.images, deps.members, deps.policy);
  }

  get multiStore(): boolean {
    return this.deps.stores.multiStore;
  }

  /** Lists the stores; throws NotFound when multi-store is off, as Glance's route is then absent. */
  list(): StoreInfo[] {
    if (!this.deps.stores.multiStore) throw new NotFound('path_not_found');
    return this.deps.stores.list();
  }

  /** Lists the stores with their types and properties, for the stores_info_detail rule. */
  detail(ctx: RequestContext): StoreInfo[] {
    const stores = this.list();
    this.deps.policy.enforce('stores_info_detail', ctx, {});
    return stores;
  }

  /**
   * Deletes the image's data from one store, keeping its other copies. Like
   * Glance, it deletes only copies of an active image, and never the last one.
   */
  async deleteFromStore(ctx: RequestContext, storeId: string, imageId: string): Promise<void> {
    if (!this.deps.stores.multiStore) throw new NotFound('path_not_found');
    const store = this.deps.stores.find(storeId);
    if (store === null) throw new Conflict('store_unknown', { store: storeId });
    const { image, target } = await this.access.load(ctx, imageId);
    this.deps.policy.enforce('get_image_location', ctx, target);
    this.deps.policy.enforce('delete_image_location', ctx, target);
    if (image.status !== 'active') throw new Conflict('store_delete_not_active', { id: imageId, status: image.status });
    if (image.locations.length <= 1) throw new Forbidden('store_delete_last_location', { id: imageId });
    const location = image.locations.find((candidate) => candidate.metadata.store === storeId);
    if (location === undefined) throw new NotFound('image_not_in_store', { id: imageId, store: storeId });

    const remaining = image.locations.filter((candidate) => candidate !== location);
    const updated = { ...withLocations(image, remaining, true), updatedAt: this.deps.clock.now() };
    if (!(await this.deps.images.update(updated, unchangedSince(image)))) {
      throw new Conflict('image_changed_concurrently', { id: imageId });
    }
    await store.delete(location.url);
  }
}
