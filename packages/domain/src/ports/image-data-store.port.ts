/** A chunk source: a Node.js readable stream satisfies it. */
export type ByteSource = AsyncIterable<Uint8Array>;

export interface StoredData {
  /** Store-specific URL of the data, kept as the image's location. */
  url: string;
  size: number;
  /** MD5 hex digest. */
  checksum: string;
  hashAlgo: string;
  hashValue: string;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface PutOptions {
  /** The write fails with QuotaExceeded as soon as more bytes than this arrive. */
  maxSize: number;
}

/**
 * Image data storage. A put either stores every byte of the source, fsynced,
 * or stores nothing: a failed or aborted put leaves no partial file behind.
 */
export interface ImageDataStore {
  readonly storeId: string;
  put(imageId: string, source: ByteSource, options: PutOptions): Promise<StoredData>;
  /** Returns the data (or one byte range of it); throws NotFound when the data is gone. */
  get(url: string, range?: ByteRange): Promise<ByteSource>;
  /** Deletes the data; deleting data that is already gone is not an error. */
  delete(url: string): Promise<void>;
}

export const ImageDataStore = Symbol('ImageDataStore');
