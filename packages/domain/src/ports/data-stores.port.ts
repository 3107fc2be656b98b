import { ImageDataStore } from './image-data-store.port';

/** One configured store, as GET /v2/info/stores/detail describes it. */
export interface StoreInfo {
  id: string;
  description: string | null;
  isDefault: boolean;
  /** The backend type, such as `file`. */
  type: string;
  /** Type-specific details, such as a file store's data_dir. */
  properties: Record<string, unknown>;
}

/**
 * The named stores of a multi-store deployment (Glance's enabled_backends).
 * With multi-store off there is one store, and `multiStore` is false.
 */
export interface DataStores {
  readonly multiStore: boolean;
  readonly defaultStoreId: string;
  list(): StoreInfo[];
  /** Returns the store with this id, or null when none is configured. */
  find(id: string): ImageDataStore | null;
}

export const DataStores = Symbol('DataStores');
