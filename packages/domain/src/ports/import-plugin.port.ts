import { Image } from '../model/image';
import { ByteSource, StoredData } from './image-data-store.port';

export interface StoredImportData {
  image: Image;
  stored: StoredData;
}

/** Changes made by a plugin; fields left out stay as they were. */
export interface ImportPluginOutcome {
  stored: StoredData;
  formats?: { diskFormat: string | null; containerFormat: string | null };
  virtualSize?: number | null;
  properties?: Record<string, string>;
}

/**
 * An optional step of the import flow, as Glance's image_import_plugins.
 * `transformSource` runs on the incoming data before format inspection
 * (decompression), `afterStore` on the stored, inspected data (conversion,
 * property injection).
 */
export interface ImportPlugin {
  readonly name: string;
  transformSource?(source: ByteSource): Promise<ByteSource>;
  afterStore?(input: StoredImportData): Promise<ImportPluginOutcome>;
}

export const ImportPlugins = Symbol('ImportPlugins');
