import { ByteSource } from './image-data-store.port';

/**
 * Fetches image data from a URL for the web-download import method,
 * applying the configured scheme, host and port filters.
 */
export interface WebDownloader {
  /** Checks the URL against the filters without fetching; throws InvalidInput. */
  check(uri: string): void;
  /**
   * Fetches the URL, checking every address it resolves to and every
   * redirect; the source fails with QuotaExceeded past `maxSize` bytes.
   */
  download(uri: string, maxSize: number): Promise<ByteSource>;
}

export const WebDownloader = Symbol('WebDownloader');
