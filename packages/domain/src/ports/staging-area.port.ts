import { ByteSource, PutOptions } from './image-data-store.port';

/**
 * Data staged for a later import, one entry per image. Like a data store, a
 * put stores every byte or nothing.
 */
export interface StagingArea {
  /** Stores the data and returns its size; throws QuotaExceeded past `maxSize`. */
  put(imageId: string, source: ByteSource, options: PutOptions): Promise<number>;
  /** Returns the staged data; throws NotFound when none is staged. */
  get(imageId: string): Promise<ByteSource>;
  /** Deletes the staged data; deleting data that is not there is not an error. */
  delete(imageId: string): Promise<void>;
}

export const StagingArea = Symbol('StagingArea');
