import { Image, ImageLocation } from './image';

/** Returns the ids of the stores that hold the image's data, in location order. */
export function storesOf(image: Image): string[] {
  const ids = image.locations
    .map((location) => location.metadata.store)
    .filter((store): store is string => typeof store === 'string');
  return [...new Set(ids)];
}

/**
 * Returns the image with new locations and, in a multi-store deployment,
 * its `stores` property (a comma-separated list of store ids) to match,
 * as Glance shows it.
 */
export function withLocations(image: Image, locations: ImageLocation[], multiStore: boolean): Image {
  const updated = { ...image, locations };
  if (!multiStore) return updated;
  const stores = storesOf(updated);
  const { stores: _previous, ...properties } = image.properties;
  return { ...updated, properties: stores.length === 0 ? properties : { ...properties, stores: stores.join(',') } };
}
