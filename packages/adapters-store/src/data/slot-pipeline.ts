import { createHash, Hash } from 'node:crypto';
import { ImageFileWriter } from './image-file-writer';

/** Hex digests of one upload. */
export interface Digests {
  md5: string;
  multihash: string;
}

/** Called once a consumer no longer reads a ring region. An error fails the upload. */
export type RegionDone = (error?: Error) => void;

/** Hashes regions of a ring buffer with MD5 and the multihash algorithm. */
export interface RingHasher {
  /** Starts hashing ring bytes [offset, offset + length), in the order of the calls. */
  update(offset: number, length: number, done: RegionDone): void;
  digest(): Promise<Digests>;
}

/** Hashes ring regions on the calling thread, for small uploads and when no hash lane is free. */
export class InlineHasher implements RingHasher {
  private readonly md5: Hash;
  private readonly multihash: Hash;

  constructor(
    private readonly ring: Buffer,
    multihashAlgorithm: string,
  ) {
    this.md5 = createHash('md5');
    this.multihash = createHash(multihashAlgorithm);
  }

  update(offset: number, length: number, done: RegionDone): void {
    const region = this.ring.subarray(offset, offset + length);
    this.md5.update(region);
    this.multihash.update(region);
    done();
  }

  async digest(): Promise<Digests> {
    return { md5: this.md5.digest('hex'), multihash: this.multihash.digest('hex') };
  }
}

/**
 * Copies incoming chunks into a ring of fixed-size slots. A full slot goes
 * to the hasher and to the file writer at the same time, and the pipeline
 * refills it only after both are done with it. So at most the ring's size is
 * in flight, and `append` waits, which pauses the source, while every slot
 * is busy.
 */
export class SlotPipeline {
  private readonly slotCount: number;
  /** Consumers (hasher, writer) still reading each slot. */
  private readonly busy: number[];
  private slot = 0;
  private fill = 0;
  private position = 0;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly ring: Buffer,
    private readonly slotBytes: number,
    private readonly hasher: RingHasher,
    private readonly writer: ImageFileWriter,
  ) {
    this.slotCount = Math.floor(ring.length / slotBytes);
    if (this.slotCount < 1) {
      throw new RangeError(`ring of ${ring.length} bytes is smaller than one ${slotBytes}-byte slot`);
    }
    this.busy = new Array<number>(this.slotCount).fill(0);
  }

  /** Copies `chunk` into the ring, waiting for free slots as needed. */
  async append(chunk: Uint8Array): Promise<void> {
    let consumed = 0;
    while (consumed < chunk.length) {
      if (this.fill === 0 && this.busy[this.slot] > 0) await this.waitFor(() => this.busy[this.slot] === 0);
      if (this.failure !== null) throw this.failure;
      const count = Math.min(this.slotBytes - this.fill, chunk.length - consumed);
      this.ring.set(chunk.subarray(consumed, consumed + count), this.slot * this.slotBytes + this.fill);
      this.fill += count;
      consumed += count;
      if (this.fill === this.slotBytes) this.publish();
    }
    if (this.failure !== null) throw this.failure;
  }

  /** Publishes the last, partly filled slot and waits until every slot is written and hashed. */
  async finish(): Promise<void> {
    if (this.fill > 0) this.publish();
    await this.waitFor(() => this.busy.every((count) => count === 0));
    if (this.failure !== null) throw this.failure;
  }

  private publish(): void {
    const slot = this.slot;
    const offset = slot * this.slotBytes;
    const release: RegionDone = (error) => {
      if (error !== undefined) this.failure ??= error;
      this.busy[slot] -= 1;
      this.wake?.();
    };
    this.busy[slot] = 2;
    this.hasher.update(offset, this.fill, release);
    this.writer.write(offset, this.fill, this.position, release);
    this.position += this.fill;
    this.fill = 0;
    this.slot = (slot + 1) % this.slotCount;
  }

  private async waitFor(condition: () => boolean): Promise<void> {
    while (!condition() && this.failure === null) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
