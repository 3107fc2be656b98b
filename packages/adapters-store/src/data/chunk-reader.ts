import { ByteSource, QuotaExceeded } from '@iris/domain';

/** Reads a byte source chunk by chunk and raises QuotaExceeded as soon as more than `maxSize` bytes arrive. */
export class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private done = false;
  /** Bytes read so far. */
  size = 0;

  constructor(
    source: ByteSource,
    private readonly maxSize: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Returns the next chunk, or null at the end of the source. */
  async next(): Promise<Uint8Array | null> {
    let result: IteratorResult<Uint8Array>;
    try {
      result = await this.iterator.next();
    } catch (error) {
      this.done = true;
      throw error;
    }
    if (result.done === true) {
      this.done = true;
      return null;
    }
    this.size += result.value.length;
    if (this.size > this.maxSize) {
      throw new QuotaExceeded('image_size_cap_exceeded', { limit: this.maxSize });
    }
    return result.value;
  }

  /**
   * Stops a source that has not ended or failed, as a for-await loop does
   * when its body throws. Stopping a request stream destroys it.
   */
  async stop(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }
}
