import { FilesystemDataStore, FilesystemStoreRegistry, RegisteredStore } from '@iris/adapters-store';
import path from 'node:path';
import { IrisConfig } from './config';
import { minorGarbageCollector } from './garbage-collection';

/** Id of the one store of a single-store deployment, as Glance names its file store. */
const SINGLE_STORE_ID = 'file';

function parseDescriptions(items: string[]): Map<string, string> {
  const descriptions = new Map<string, string>();
  for (const item of items) {
    const separator = item.indexOf('=');
    if (separator <= 0) throw new Error(`Invalid IRIS_STORE_DESCRIPTIONS item '${item}': expected id=text`);
    descriptions.set(item.slice(0, separator), item.slice(separator + 1));
  }
  return descriptions;
}

/**
 * Builds the stores from IRIS_ENABLED_BACKENDS (`id:file` items). The
 * default store keeps its data in `<data dir>/images`, where a single-store
 * deployment keeps it too, so turning multi-store on leaves existing images
 * readable. Every other store uses `<data dir>/stores/<id>`.
 */
export function buildStoreRegistry(config: IrisConfig, imagesDirectory: string): FilesystemStoreRegistry {
  const collectGarbage = minorGarbageCollector();
  const newStore = (id: string, directory: string) =>
    new FilesystemDataStore({ storeId: id, directory, hashAlgo: config.hashAlgo, collectGarbage });
  if (config.enabledBackends.length === 0) {
    const store = newStore(SINGLE_STORE_ID, imagesDirectory);
    return new FilesystemStoreRegistry(
      [{ id: SINGLE_STORE_ID, description: null, directory: imagesDirectory, store }],
      SINGLE_STORE_ID,
      false,
    );
  }

  const descriptions = parseDescriptions(config.storeDescriptions);
  const ids = config.enabledBackends.map((item) => {
    const [id, type] = item.split(':');
    if (id === '' || type !== 'file' || !/^[A-Za-z0-9_-]+$/.test(id)) {
      throw new Error(`Invalid IRIS_ENABLED_BACKENDS item '${item}': expected id:file with a name of letters, digits, _ or -`);
    }
    return id;
  });
  const defaultId = config.defaultBackend === '' ? ids[0] : config.defaultBackend;
  if (!ids.includes(defaultId)) {
    throw new Error(`Invalid IRIS_DEFAULT_BACKEND '${defaultId}': use one of ${ids.join(', ')}`);
  }
  const stores: RegisteredStore[] = ids.map((id) => {
    const directory = id === defaultId ? imagesDirectory : path.join(config.dataDir, 'stores', id);
    return { id, description: descriptions.get(id) ?? null, directory, store: newStore(id, directory) };
  });
  return new FilesystemStoreRegistry(stores, defaultId, true);
}
