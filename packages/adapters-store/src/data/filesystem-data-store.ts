import {
  ByteRange,
  ByteSource,
  ImageDataStore,
  NotFound,
  PutOptions,
  StoredData,
} from '@iris/domain';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ChunkReader } from './chunk-reader';
import { readFileDirect } from './direct-file-reader';
import { HashLanePool } from './hash-lane';
import { ImageFileWriter } from './image-file-writer';
import { Digests, InlineHasher, RingHasher, SlotPipeline } from './slot-pipeline';

export interface FilesystemStoreOptions {
  storeId: string;
  directory: string;
  /** Multihash algorithm for os_hash_value (Glance's hashing_algorithm). */
  hashAlgo: string;
  /**
   * Writes uploads larger than one slot with O_DIRECT (true by default), which
   * skips the page-cache copy. The store falls back to buffered writes where
   * the file system rejects O_DIRECT.
   */
  directIo?: boolean;
  /**
   * Runs a young-generation garbage collection, every GC_INTERVAL_BYTES of
   * a large upload or download. The buffers that Node's HTTP parser hands
   * over, and a download's chunks, are freed only by a collection, and V8
   * otherwise lets tens of MB of them pile up before it runs one.
   */
  collectGarbage?: () => void;
}

const READ_CHUNK = 1024 * 1024;
/** Reads of at least this many bytes use O_DIRECT, since large uploads were written past the page cache. */
const DIRECT_READ_MIN_BYTES = 4 * 1024 * 1024;
const TEMP_PREFIX = '.partial-';

/** Ring slot: the unit of copying, hashing and writing. A multiple of the O_DIRECT alignment. */
const SLOT_BYTES = 1024 * 1024;
/** Bytes in flight per upload (copied but not yet hashed and written). */
const RING_BYTES = 8 * SLOT_BYTES;
/** Bytes of a large upload or download between two calls of `collectGarbage`. */
const GC_INTERVAL_BYTES = 4 * SLOT_BYTES;
/** An upload that ends within this many bytes is hashed and written on the main thread. */
const INLINE_MAX_BYTES = SLOT_BYTES;
/** Hash lanes that `init` starts and the store keeps while it is open. */
const MIN_HASH_LANES = 1;
/** Max concurrent uploads that hash on worker threads. Further ones hash on the main thread. */
const MAX_HASH_LANES = 2;
/** A hash lane beyond MIN_HASH_LANES is terminated after this long without use, in milliseconds. */
const HASH_LANE_IDLE_MS = 60_000;
/** Bytes written between fdatasync calls while an upload runs. */
const SYNC_INTERVAL_BYTES = 64 * 1024 * 1024;

/**
 * Keeps each image's data in one file named by the image id. Writes go to a
 * temporary file in the same directory, are fsynced and renamed into place,
 * and the hashes are computed in the same pass. For an upload larger than
 * one slot, the main thread copies the bytes into a shared ring, and two
 * worker threads compute MD5 and the multihash while the file is written
 * from the ring with O_DIRECT.
 */
export class FilesystemDataStore implements ImageDataStore {
  readonly storeId: string;
  private readonly lanes = new HashLanePool(MIN_HASH_LANES, MAX_HASH_LANES, RING_BYTES, HASH_LANE_IDLE_MS);

  constructor(private readonly options: FilesystemStoreOptions) {
    this.storeId = options.storeId;
  }

  /** Creates the directory and starts the hash worker threads. */
  async init(): Promise<void> {
    await mkdir(this.options.directory, { recursive: true });
    this.lanes.start();
  }

  /** Terminates the hash worker threads; uploads after this hash on the main thread. */
  async close(): Promise<void> {
    await this.lanes.close();
  }

  async put(imageId: string, source: ByteSource, options: PutOptions): Promise<StoredData> {
    const finalPath = path.join(this.options.directory, imageId);
    const tempPath = path.join(
      this.options.directory,
      `${TEMP_PREFIX}${imageId}-${randomBytes(6).toString('hex')}`,
    );
    // Fails on an unknown algorithm before any byte is read or written.
    createHash(this.options.hashAlgo);
    try {
      const { size, digests } = await this.writeFile(tempPath, source, options.maxSize);
      await rename(tempPath, finalPath);
      await fsyncDirectory(this.options.directory);
      return {
        url: pathToFileURL(finalPath).href,
        size,
        checksum: digests.md5,
        hashAlgo: this.options.hashAlgo,
        hashValue: digests.multihash,
      };
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  private async writeFile(file: string, source: ByteSource, maxSize: number): Promise<WrittenFile> {
    const reader = new ChunkReader(source, maxSize);
    try {
      const head: Uint8Array[] = [];
      let headBytes = 0;
      for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes > INLINE_MAX_BYTES) {
          const digests = await this.writeLarge(file, head, reader);
          return { size: reader.size, digests };
        }
      }
      const digests = await this.writeSmall(file, Buffer.concat(head));
      return { size: reader.size, digests };
    } catch (error) {
      await reader.stop();
      throw error;
    }
  }

  /** Hashes and writes data that fits in memory, on the calling thread. */
  private async writeSmall(file: string, data: Buffer): Promise<Digests> {
    const writer = await ImageFileWriter.create(file, data, {
      directIo: false,
      syncIntervalBytes: SYNC_INTERVAL_BYTES,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        writer.write(0, data.length, 0, (error) => (error === undefined ? resolve() : reject(error)));
      });
      await writer.finish(data.length);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return {
      md5: createHash('md5').update(data).digest('hex'),
      multihash: createHash(this.options.hashAlgo).update(data).digest('hex'),
    };
  }

  /**
   * Streams `head` and then the rest of the source through the slot ring.
   * It hashes on a hash lane's workers and writes with O_DIRECT, or, when
   * every lane is busy, hashes on this thread and writes through the page cache.
   */
  private async writeLarge(file: string, head: Uint8Array[], reader: ChunkReader): Promise<Digests> {
    const lane = this.lanes.acquire();
    let hasher: RingHasher;
    let ring: Buffer;
    if (lane === null) {
      ring = Buffer.allocUnsafeSlow(RING_BYTES);
      hasher = new InlineHasher(ring, this.options.hashAlgo);
    } else {
      ring = lane.ring;
      hasher = lane;
      lane.begin('md5', this.options.hashAlgo);
    }

    let writer: ImageFileWriter | null = null;
    let succeeded = false;
    try {
      writer = await ImageFileWriter.create(file, ring, {
        // Only a lane's ring is page-aligned, as O_DIRECT requires.
        directIo: lane !== null && this.options.directIo !== false,
        syncIntervalBytes: SYNC_INTERVAL_BYTES,
      });
      const pipeline = new SlotPipeline(ring, SLOT_BYTES, hasher, writer);
      for (const chunk of head) await pipeline.append(chunk);
      let sinceCollection = 0;
      for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) {
        await pipeline.append(chunk);
        sinceCollection += chunk.length;
        if (sinceCollection >= GC_INTERVAL_BYTES && this.options.collectGarbage !== undefined) {
          this.options.collectGarbage();
          sinceCollection -= GC_INTERVAL_BYTES;
        }
      }
      await pipeline.finish();
      const digests = await hasher.digest();
      await writer.finish(reader.size);
      succeeded = true;
      return digests;
    } finally {
      // The writer must stop reading the ring before the lane serves another upload.
      if (!succeeded) await writer?.abort();
      if (lane !== null) this.lanes.release(lane, !succeeded);
    }
  }

  async get(url: string, range?: ByteRange): Promise<ByteSource> {
    const file = this.pathOf(url);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new NotFound('image_data_not_found', { url });
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    if ((this.options.directIo ?? true) && end - start + 1 >= DIRECT_READ_MIN_BYTES) {
      return readFileDirect(file, start, end, {
        run: this.options.collectGarbage,
        intervalBytes: GC_INTERVAL_BYTES,
      });
    }
    return createReadStream(file, {
      start: range?.start,
      end: range?.end,
      highWaterMark: READ_CHUNK,
    });
  }

  async delete(url: string): Promise<void> {
    await rm(this.pathOf(url), { force: true });
  }

  private pathOf(url: string): string {
    const file = fileURLToPath(url);
    if (path.dirname(file) !== path.resolve(this.options.directory)) {
      throw new NotFound('image_data_not_found', { url });
    }
    return file;
  }
}

interface WrittenFile {
  size: number;
  digests: Digests;
}

/** Fsyncs a directory, so that a rename in it survives a crash. */
async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
