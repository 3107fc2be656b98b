import { ByteRange, ByteSource, DataStores, ImageDataStore, NotFound, PutOptions, StoreInfo, StoredData } from '@iris/domain';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { FilesystemDataStore } from './filesystem-data-store';

export interface RegisteredStore {
  id: string;
  description: string | null;
  directory: string;
  store: FilesystemDataStore;
}

/**
 * The configured filesystem stores. As an ImageDataStore it writes to the
 * default store and reads or deletes in whichever store a URL points into,
 * so code unaware of stores keeps working.
 */
export class FilesystemStoreRegistry implements DataStores, ImageDataStore {
  readonly storeId: string;

  constructor(
    private readonly stores: RegisteredStore[],
    readonly defaultStoreId: string,
    readonly multiStore: boolean,
  ) {
    if (!stores.some((entry) => entry.id === defaultStoreId)) {
      throw new Error(`Default store '${defaultStoreId}' is not among the stores ${stores.map((s) => s.id).join(', ')}`);
    }
    this.storeId = defaultStoreId;
  }

  async init(): Promise<void> {
    for (const entry of this.stores) await entry.store.init();
  }

  async close(): Promise<void> {
    for (const entry of this.stores) await entry.store.close();
  }

  list(): StoreInfo[] {
    return this.stores.map((entry) => ({
      id: entry.id,
      description: entry.description,
      isDefault: entry.id === this.defaultStoreId,
      type: 'file',
      properties: { data_dir: entry.directory, chunk_size: 65536, thin_provisioning: false },
    }));
  }

  find(id: string): ImageDataStore | null {
    return this.stores.find((entry) => entry.id === id)?.store ?? null;
  }

  put(imageId: string, source: ByteSource, options: PutOptions): Promise<StoredData> {
    return this.find(this.defaultStoreId)!.put(imageId, source, options);
  }

  get(url: string, range?: ByteRange): Promise<ByteSource> {
    return this.owner(url).get(url, range);
  }

  delete(url: string): Promise<void> {
    return this.owner(url).delete(url);
  }

  /** Finds the store whose folder contains the file of a URL; throws NotFound. */
  owner(url: string): ImageDataStore {
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      throw new NotFound('image_data_not_found', { url });
    }
    const entry = this.stores.find((candidate) => path.dirname(file) === path.resolve(candidate.directory));
    if (entry === undefined) throw new NotFound('image_data_not_found', { url });
    return entry.store;
  }
}
