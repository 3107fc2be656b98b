import { ByteSource, QuotaExceeded } from '@iris/domain';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { FilesystemDataStore } from '../src';
import { HashLane } from '../src/data/hash-lane';
import { ImageFileWriter } from '../src/data/image-file-writer';
import { RegionDone, RingHasher, SlotPipeline } from '../src/data/slot-pipeline';

const MIB = 1024 * 1024;
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Splits data into chunks of uneven sizes, as a socket delivers them. */
function chunksOf(data: Buffer, sizes = [65_536, 1_000, 130_000, 7]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < data.length; index += 1) {
    const size = sizes[index % sizes.length];
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

async function* sourceOf(chunks: Buffer[]): ByteSource {
  for (const chunk of chunks) yield chunk;
}

/** Yields `chunks`, then throws, as an aborted upload does. */
async function* failingSource(chunks: Buffer[], error: Error): ByteSource {
  for (const chunk of chunks) yield chunk;
  throw error;
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function sha512(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}

async function readAll(source: ByteSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('FilesystemDataStore', () => {
  let directory: string;
  let store: FilesystemDataStore;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'iris-data-'));
    store = new FilesystemDataStore({ storeId: 'file', directory, hashAlgo: 'sha512' });
    await store.init();
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  // Sizes on both sides of the 1 MiB inline limit. The large ones end in a
  // partial slot whose length is not a multiple of the O_DIRECT alignment.
  it.each([
    ['empty', 0],
    ['small', 3_000],
    ['at inline limit', MIB],
    ['several slots', 3 * MIB + 12_345],
    ['more than the ring', 9 * MIB + 1],
  ])('put stores %s data with its digests', async (_name, size) => {
    const data = randomBytes(size);

    const stored = await store.put('image-1', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });

    expect(stored.size).toBe(size);
    expect(stored.checksum).toBe(md5(data));
    expect(stored.hashAlgo).toBe('sha512');
    expect(stored.hashValue).toBe(sha512(data));
    expect(stored.url).toBe(`file://${path.join(directory, 'image-1')}`);
    expect((await readFile(path.join(directory, 'image-1'))).equals(data)).toBe(true);
    expect(await readdir(directory)).toEqual(['image-1']);
  });

  it('put with buffered writes stores data', async () => {
    const buffered = new FilesystemDataStore({ storeId: 'file', directory, hashAlgo: 'sha512', directIo: false });
    const data = randomBytes(2 * MIB + 99);

    const stored = await buffered.put('image-1', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });
    await buffered.close();

    expect(stored.checksum).toBe(md5(data));
    expect(stored.hashValue).toBe(sha512(data));
    expect((await readFile(path.join(directory, 'image-1'))).equals(data)).toBe(true);
  });

  it('put collects garbage every 4 MiB', async () => {
    let collections = 0;
    const collecting = new FilesystemDataStore({
      storeId: 'file',
      directory,
      hashAlgo: 'sha512',
      collectGarbage: () => {
        collections += 1;
      },
    });
    // The first MiB or so is read ahead to choose the write path, and is not counted.
    const data = randomBytes(18 * MIB);

    const stored = await collecting.put('gc-image', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });
    await collecting.close();

    expect(stored.checksum).toBe(md5(data));
    expect(collections).toBe(4);
  });

  it('put uses the configured multihash algorithm', async () => {
    const sha256Store = new FilesystemDataStore({ storeId: 'file', directory, hashAlgo: 'sha256' });
    const data = randomBytes(2 * MIB);

    const stored = await sha256Store.put('image-1', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });
    await sha256Store.close();

    expect(stored.hashAlgo).toBe('sha256');
    expect(stored.hashValue).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('concurrent puts beyond lane count succeed', async () => {
    const images = [0, 1, 2, 3].map((index) => ({ id: `image-${index}`, data: randomBytes(2 * MIB + index) }));

    const stored = await Promise.all(
      images.map(({ id, data }) => store.put(id, sourceOf(chunksOf(data)), { maxSize: NO_LIMIT })),
    );

    for (const [index, { data }] of images.entries()) {
      expect(stored[index].checksum).toBe(md5(data));
      expect(stored[index].hashValue).toBe(sha512(data));
    }
    expect((await readdir(directory)).sort()).toEqual(images.map(({ id }) => id));
  });

  it('consecutive puts store their data', async () => {
    const first = randomBytes(2 * MIB);
    const second = randomBytes(3 * MIB);

    await store.put('image-1', sourceOf(chunksOf(first)), { maxSize: NO_LIMIT });
    const stored = await store.put('image-2', sourceOf(chunksOf(second)), { maxSize: NO_LIMIT });

    expect(stored.checksum).toBe(md5(second));
    expect(stored.hashValue).toBe(sha512(second));
  });

  it.each([
    ['small', 10_000],
    ['large', 5 * MIB],
  ])('put of failing %s source leaves no file', async (_name, size) => {
    const failure = new Error('client went away');
    const chunks = chunksOf(randomBytes(size));

    await expect(store.put('image-1', failingSource(chunks, failure), { maxSize: NO_LIMIT })).rejects.toBe(failure);

    expect(await readdir(directory)).toEqual([]);
  });

  it('put of destroyed stream leaves no file', async () => {
    const chunks = chunksOf(randomBytes(4 * MIB));
    let sent = 0;
    const stream = new Readable({
      read() {
        if (sent === 20) {
          this.destroy(new Error('aborted'));
          return;
        }
        this.push(chunks[sent]);
        sent += 1;
      },
    });

    await expect(store.put('image-1', stream, { maxSize: NO_LIMIT })).rejects.toThrow('aborted');

    expect(await readdir(directory)).toEqual([]);
  });

  it.each([
    ['small', 1_000, 1_001],
    ['large', 2 * MIB, 3 * MIB],
  ])('put of %s source over maxSize raises QuotaExceeded', async (_name, maxSize, size) => {
    let stopped = false;
    async function* source(): ByteSource {
      try {
        yield* chunksOf(randomBytes(size));
      } finally {
        stopped = true;
      }
    }

    await expect(store.put('image-1', source(), { maxSize })).rejects.toBeInstanceOf(QuotaExceeded);

    expect(stopped).toBe(true);
    expect(await readdir(directory)).toEqual([]);
  });

  it('put of exactly maxSize bytes succeeds', async () => {
    const data = randomBytes(2 * MIB);

    const stored = await store.put('image-1', sourceOf(chunksOf(data)), { maxSize: data.length });

    expect(stored.size).toBe(data.length);
  });

  it('put with unknown algorithm leaves no file', async () => {
    const broken = new FilesystemDataStore({ storeId: 'file', directory, hashAlgo: 'no-such-hash' });

    await expect(broken.put('image-1', sourceOf([randomBytes(10)]), { maxSize: NO_LIMIT })).rejects.toThrow();

    expect(await readdir(directory)).toEqual([]);
  });

  it('put after close still stores data', async () => {
    await store.close();
    const data = randomBytes(2 * MIB + 5);

    const stored = await store.put('image-1', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });

    expect(stored.checksum).toBe(md5(data));
    expect(stored.hashValue).toBe(sha512(data));
  });

  it.each([
    ['inside one chunk', 10, 20],
    ['across chunks', 1_000, 2 * MIB + 17],
    ['to the last byte', 3 * MIB - 1, 3 * MIB + 99],
  ])('get with a range %s returns those bytes', async (_name, start, end) => {
    const data = randomBytes(3 * MIB + 100);
    const stored = await store.put('image-1', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });

    const body = await readAll(await store.get(stored.url, { start, end }));

    expect(body.equals(data.subarray(start, end + 1))).toBe(true);
  });

  it('get without a range returns all bytes', async () => {
    const data = randomBytes(MIB + 3);
    const stored = await store.put('image-1', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT });

    const body = await readAll(await store.get(stored.url));

    expect(body.equals(data)).toBe(true);
  });

  describe('large reads with O_DIRECT', () => {
    const data = randomBytes(9 * MIB + 12_345);
    let url: string;

    beforeEach(async () => {
      url = (await store.put('image-large', sourceOf(chunksOf(data)), { maxSize: NO_LIMIT })).url;
    });

    it('return every byte', async () => {
      const body = await readAll(await store.get(url));

      expect(body.length).toBe(data.length);
      expect(body.equals(data)).toBe(true);
    });

    it.each([
      ['unaligned start and end', 4097, 9 * MIB - 3],
      ['start on a read boundary', MIB, 6 * MIB - 1],
      ['up to the last byte', 123, data.length - 1],
      ['exactly the read threshold', 5 * MIB + 1, 9 * MIB],
    ])('return a range with %s', async (_name, start, end) => {
      const body = await readAll(await store.get(url, { start, end }));

      expect(body.length).toBe(end - start + 1);
      expect(body.equals(data.subarray(start, end + 1))).toBe(true);
    });

    it('close the file when reading stops early', async () => {
      const openFiles = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
      const before = await openFiles();

      for await (const chunk of await store.get(url)) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }

      expect(await openFiles()).toBe(before);
    });

    it('fail when the file is shorter than expected', async () => {
      const source = await store.get(url);
      await writeFile(fileURLToPath(url), data.subarray(0, 5 * MIB));

      await expect(readAll(source)).rejects.toThrow('ended');
    });
  });
});

describe('HashLane', () => {
  it('digests regions of its ring', async () => {
    const lane = new HashLane(2 * MIB);
    const data = randomBytes(2 * MIB);
    data.copy(lane.ring);
    lane.begin('md5', 'sha512');
    const done: (Error | undefined)[] = [];

    lane.update(0, MIB, (error) => done.push(error));
    lane.update(MIB, MIB, (error) => done.push(error));
    const digests = await lane.digest().finally(() => lane.terminate());

    expect(done).toEqual([undefined, undefined]);
    expect(digests).toEqual({ md5: md5(data), multihash: sha512(data) });
  });

  // The worker's error comes from another realm, so the checks match its message, not its class.
  it('worker failure fails pending updates', async () => {
    const lane = new HashLane(MIB);
    try {
      lane.begin('md5', 'no-such-hash');
      const failed = new Promise<Error | undefined>((resolve) => lane.update(0, MIB, resolve));

      expect((await failed)?.message).toMatch(/digest method not supported/i);
      await expect(lane.digest()).rejects.toThrow(/digest method not supported/i);
      expect(lane.broken?.message).toMatch(/digest method not supported/i);
    } finally {
      await lane.terminate();
    }
  });
});

describe('SlotPipeline', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'iris-pipeline-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('append raises failing hasher error', async () => {
    const failure = new Error('hash worker exited');
    const failingHasher: RingHasher = {
      update: (_offset: number, _length: number, done: RegionDone) => done(failure),
      digest: () => Promise.reject(failure),
    };
    const ring = Buffer.alloc(2 * MIB);
    const writer = await ImageFileWriter.create(path.join(directory, 'file'), ring, {
      directIo: false,
      syncIntervalBytes: MIB,
    });
    const pipeline = new SlotPipeline(ring, MIB, failingHasher, writer);

    const appending = (async () => {
      for (const chunk of chunksOf(randomBytes(4 * MIB))) await pipeline.append(chunk);
    })();

    await expect(appending).rejects.toBe(failure);
    await writer.abort();
  });
});
