import { close, constants, createReadStream, open, read } from 'node:fs';
import { promisify } from 'node:util';
import { pageAlignedBuffer } from './aligned-memory';
import { DIRECT_IO_ALIGNMENT } from './image-file-writer';

const openAsync = promisify(open);
const closeAsync = promisify(close);

/** Bytes of one read, a multiple of DIRECT_IO_ALIGNMENT. */
export const DIRECT_READ_BYTES = 1024 * 1024;
/** Reads in flight at once for one file. */
const READS_IN_FLIGHT = 4;
/** Idle rings kept for reuse. */
const MAX_IDLE_RINGS = 2;

/**
 * A garbage collection to run every `intervalBytes` of data read, because
 * the chunks' memory is freed only by a collection, and V8 otherwise lets
 * tens of MB of them pile up before it runs one.
 */
export interface GarbageCollection {
  run?: () => void;
  intervalBytes: number;
}

const NO_COLLECTION: GarbageCollection = { intervalBytes: Number.POSITIVE_INFINITY };

/** Page-aligned buffers of READS_IN_FLIGHT slots, kept for later reads. */
const idleRings: Buffer[] = [];

function takeRing(): Buffer {
  const ring = idleRings.pop();
  if (ring !== undefined) return ring;
  return pageAlignedBuffer(DIRECT_READ_BYTES * READS_IN_FLIGHT);
}

function returnRing(ring: Buffer): void {
  if (idleRings.length < MAX_IDLE_RINGS) idleRings.push(ring);
}

/** Opens a file for O_DIRECT reads, or returns null where the file system rejects O_DIRECT. */
async function openDirect(file: string): Promise<number | null> {
  if (constants.O_DIRECT === undefined) return null;
  try {
    return await openAsync(file, constants.O_RDONLY | constants.O_DIRECT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return null;
    throw error;
  }
}

/**
 * Yields the bytes `start` to `end` (inclusive) of a file, reading ahead
 * with several O_DIRECT reads at once. The file is opened at the first
 * chunk and closed at the end or when the consumer stops early. Where the
 * file system rejects O_DIRECT, the bytes come through the page cache.
 *
 * Uploads are written with O_DIRECT, so their data is not in the page cache.
 * A buffered read of such a file fills the cache first: on a 2-core test
 * machine that read 477 MB/s with 2.1 s of CPU per GiB, against 1,300 MB/s
 * with 0.3 s for these reads. Each yielded chunk is a copy, because the ring
 * is reused while the socket may still hold the chunk.
 */
export async function* readFileDirect(
  file: string,
  start: number,
  end: number,
  collect: GarbageCollection = NO_COLLECTION,
): AsyncGenerator<Uint8Array> {
  const fd = await openDirect(file);
  if (fd === null) {
    yield* createReadStream(file, { start, end, highWaterMark: DIRECT_READ_BYTES });
    return;
  }
  const ring = takeRing();
  // O_DIRECT offsets must be aligned, so reading begins at the block that
  // holds `start`, and the first chunk skips the bytes before it.
  let nextOffset = start - (start % DIRECT_IO_ALIGNMENT);
  let skip = start - nextOffset;
  let remaining = end - start + 1;
  const pending: Promise<number>[] = [];
  let slot = 0;
  const readNext = (): void => {
    const position = nextOffset;
    const offset = slot * DIRECT_READ_BYTES;
    nextOffset += DIRECT_READ_BYTES;
    slot = (slot + 1) % READS_IN_FLIGHT;
    const done = new Promise<number>((resolve, reject) => {
      read(fd, ring, offset, DIRECT_READ_BYTES, position, (error, bytesRead) => {
        if (error === null) resolve(bytesRead);
        else reject(error);
      });
    });
    // A read may fail while an earlier chunk waits for the consumer. Its
    // error is raised when its turn comes, and until then it must not count
    // as an unhandled rejection, which would end the process.
    done.catch(() => undefined);
    pending.push(done);
  };
  const moreToRead = (): boolean => nextOffset <= end;

  let readSlot = 0;
  let sinceCollection = 0;
  try {
    while (pending.length < READS_IN_FLIGHT && moreToRead()) readNext();
    while (pending.length > 0 && remaining > 0) {
      const bytesRead = await (pending.shift() as Promise<number>);
      const offset = readSlot * DIRECT_READ_BYTES;
      readSlot = (readSlot + 1) % READS_IN_FLIGHT;
      const length = Math.min(bytesRead - skip, remaining);
      if (length <= 0) break;
      // Reads after this one assume that it filled its slot.
      if (bytesRead < DIRECT_READ_BYTES && length < remaining) break;
      const chunk = Buffer.allocUnsafeSlow(length);
      ring.copy(chunk, 0, offset + skip, offset + skip + length);
      skip = 0;
      remaining -= length;
      sinceCollection += length;
      if (sinceCollection >= collect.intervalBytes) {
        collect.run?.();
        sinceCollection = 0;
      }
      // The slot is free again once its bytes are copied.
      if (moreToRead()) readNext();
      yield chunk;
    }
    if (remaining > 0) throw new Error(`image file ${file} ended ${remaining} bytes early`);
  } finally {
    // A read still running writes into the ring, so the ring and the file
    // descriptor are released only after every read settled.
    await Promise.allSettled(pending);
    returnRing(ring);
    await closeAsync(fd);
  }
}
