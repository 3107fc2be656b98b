import {
  Conflict,
  DomainError,
  Forbidden,
  Gone,
  ImageNotFound,
  InvalidInput,
  InvalidStatusTransition,
  NotFound,
  PolicyDenied,
  QuotaExceeded,
  RangeNotSatisfiable,
} from '../errors';
import { Image } from '../model/image';
import { makeContext } from '../model/request-context';
import { Policy } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { ByteRange, ByteSource, ImageDataStore, PutOptions, StoredData } from '../ports/image-data-store.port';
import { ImageDataService, RangeRequest, resolveRange } from './image-data-service';
import { MemoryImageRepository, MemoryMemberRepository } from '../../test/memory-ports';

// In-memory test doubles of the other ports. They keep only what the service relies on.

/**
 * Keeps data in a map. Like a real store, a put that fails stores nothing.
 * Setting `failure` makes each put throw it once the first chunk arrives, and
 * `afterRead` runs after a put has consumed the whole source.
 */
class MemoryDataStore implements ImageDataStore {
  readonly storeId = 'memory';
  readonly objects = new Map<string, Uint8Array>();
  readonly deleted: string[] = [];
  readonly puts: string[] = [];
  failure: Error | null = null;
  afterRead: (() => Promise<void>) | null = null;

  async put(imageId: string, source: ByteSource, options: PutOptions): Promise<StoredData> {
    this.puts.push(imageId);
    const chunks: number[] = [];
    for await (const chunk of source) {
      if (this.failure !== null) throw this.failure;
      chunks.push(...chunk);
      if (chunks.length > options.maxSize) {
        throw new QuotaExceeded('image_size_cap_exceeded', { limit: options.maxSize });
      }
    }
    if (this.afterRead !== null) await this.afterRead();

    const url = `memory://${imageId}`;
    this.objects.set(url, Uint8Array.from(chunks));
    return {
      url,
      size: chunks.length,
      checksum: `md5-of-${chunks.length}-bytes`,
      hashAlgo: 'sha512',
      hashValue: `sha512-of-${chunks.length}-bytes`,
    };
  }

  async get(url: string, range?: ByteRange): Promise<ByteSource> {
    const data = this.objects.get(url);
    if (data === undefined) throw new NotFound('data_not_found', { url });
    const slice = range === undefined ? data : data.slice(range.start, range.end + 1);
    return sourceOf([slice]);
  }

  async delete(url: string): Promise<void> {
    this.deleted.push(url);
    this.objects.delete(url);
  }
}

class SteppingClock implements Clock {
  private time = Date.parse('2024-01-01T00:00:00Z');

  now(): Date {
    this.time += 1000;
    return new Date(this.time);
  }
}

async function* sourceOf(chunks: Uint8Array[]): ByteSource {
  for (const chunk of chunks) yield chunk;
}

async function readAll(source: ByteSource): Promise<number[]> {
  const bytes: number[] = [];
  for await (const chunk of source) bytes.push(...chunk);
  return bytes;
}

const ADMIN = makeContext({ requestId: 'req-1', projectId: 'project-admin', roles: ['admin'] });
const OWNER = makeContext({ requestId: 'req-2', projectId: 'project-owner', roles: ['member'] });
const OWNER_READER = makeContext({ requestId: 'req-3', projectId: 'project-owner', roles: ['reader'] });
const OTHER = makeContext({ requestId: 'req-4', projectId: 'project-other', roles: ['member'] });

const IMAGE_ID = '6b0f4a9e-1c1d-4c5e-9f57-6a3c2b1d0e9f';
const SIZE_CAP = 8;

function makeImage(fields: Partial<Image> = {}): Image {
  return {
    id: IMAGE_ID,
    name: 'cirros',
    status: 'queued',
    visibility: 'private',
    protected: false,
    osHidden: false,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner: 'project-owner',
    size: null,
    virtualSize: null,
    containerFormat: 'bare',
    diskFormat: 'raw',
    minRam: 0,
    minDisk: 0,
    createdAt: new Date('2023-06-01T00:00:00Z'),
    updatedAt: new Date('2023-06-01T00:00:00Z'),
    tags: [],
    properties: {},
    locations: [],
    ...fields,
  };
}

/** Returns an active five-byte image whose location is in the memory store. */
function storedImage(fields: Partial<Image> = {}): Image {
  return makeImage({
    status: 'active',
    size: 5,
    locations: [{ url: `memory://${IMAGE_ID}`, metadata: { store: 'memory' } }],
    ...fields,
  });
}

function setup() {
  const images = new MemoryImageRepository();
  const members = new MemoryMemberRepository();
  const data = new MemoryDataStore();
  const service = new ImageDataService({
    images,
    members,
    data,
    policy: new Policy(),
    clock: new SteppingClock(),
    settings: { imageSizeCap: SIZE_CAP },
  });
  return { images, members, data, service };
}

async function rejectionOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the promise to reject');
}

const BYTES = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];

describe('ImageDataService.upload', () => {
  it('stores data and activates', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    const result = await service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), 5);

    expect(result.status).toBe('active');
    expect(result.size).toBe(5);
    expect(result.checksum).toBe('md5-of-5-bytes');
    expect(result.osHashAlgo).toBe('sha512');
    expect(result.osHashValue).toBe('sha512-of-5-bytes');
    expect(result.locations).toEqual([{ url: `memory://${IMAGE_ID}`, metadata: { store: 'memory' } }]);
    expect(images.rows.get(IMAGE_ID)).toEqual(result);
    expect([...(data.objects.get(`memory://${IMAGE_ID}`) ?? [])]).toEqual([1, 2, 3, 4, 5]);
  });

  it('image is saving during put', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    let statusDuringPut: string | undefined;
    data.afterRead = async () => {
      statusDuringPut = images.rows.get(IMAGE_ID)?.status;
    };
    await service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), null);
    expect(statusDuringPut).toBe('saving');
  });

  it('failed put leaves image queued', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    const failure = new Error('disk full');
    data.failure = failure;

    await expect(service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), null)).rejects.toBe(failure);

    const row = images.rows.get(IMAGE_ID);
    expect(row?.status).toBe('queued');
    expect(row?.size).toBeNull();
    expect(row?.checksum).toBeNull();
    expect(row?.locations).toEqual([]);
    expect(data.objects.size).toBe(0);
    expect(data.deleted).toEqual([]);
  });

  it('oversized stream leaves image queued', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    const chunks = [new Uint8Array(6), new Uint8Array(6)];

    await expect(service.upload(OWNER, IMAGE_ID, sourceOf(chunks), null)).rejects.toThrow(QuotaExceeded);
    expect(images.rows.get(IMAGE_ID)?.status).toBe('queued');
    expect(data.objects.size).toBe(0);
  });

  it('declared size over cap rejected', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    const error = await rejectionOf(service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), SIZE_CAP + 1));
    expect(error).toBeInstanceOf(QuotaExceeded);
    expect(error.params).toEqual({ limit: SIZE_CAP });
    expect(data.puts).toEqual([]);
    expect(images.rows.get(IMAGE_ID)?.status).toBe('queued');
  });

  it('missing formats rejected', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage({ diskFormat: null }));
    await expect(service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), null)).rejects.toThrow(InvalidInput);
    expect(data.puts).toEqual([]);
    expect(images.rows.get(IMAGE_ID)?.status).toBe('queued');
  });

  it('active image rejects upload', async () => {
    const { images, service } = setup();
    await images.add(storedImage());
    const upload = service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), null);
    await expect(upload).rejects.toThrow(InvalidStatusTransition);
  });

  it('concurrent upload conflicts', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    jest.spyOn(images, 'update').mockResolvedValueOnce(false);
    await expect(service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), null)).rejects.toThrow(Conflict);
    expect(data.puts).toEqual([]);
  });

  it('delete during upload removes data', async () => {
    const { images, data, service } = setup();
    await images.add(makeImage());
    data.afterRead = async () => {
      await images.markDeleted(IMAGE_ID, 'saving', new Date());
    };

    await expect(service.upload(OWNER, IMAGE_ID, sourceOf(BYTES), null)).rejects.toThrow(Gone);
    expect(data.deleted).toEqual([`memory://${IMAGE_ID}`]);
    expect(data.objects.size).toBe(0);
  });

  it('reader cannot upload', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    await expect(service.upload(OWNER_READER, IMAGE_ID, sourceOf(BYTES), null)).rejects.toThrow(PolicyDenied);
  });

  it('hidden image not found', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    await expect(service.upload(OTHER, IMAGE_ID, sourceOf(BYTES), null)).rejects.toThrow(ImageNotFound);
  });
});

describe('ImageDataService.download', () => {
  /** Stores the image of storedImage() together with its bytes 10 to 14. */
  function setupWithData(fields: Partial<Image> = {}) {
    const context = setup();
    context.images.rows.set(IMAGE_ID, storedImage(fields));
    context.data.objects.set(`memory://${IMAGE_ID}`, new Uint8Array([10, 11, 12, 13, 14]));
    return context;
  }

  it('returns whole data', async () => {
    const { service } = setupWithData();
    const download = await service.download(OWNER, IMAGE_ID, null);
    expect(download.range).toBeNull();
    expect(await readAll(download.body as ByteSource)).toEqual([10, 11, 12, 13, 14]);
  });

  it('returns requested range', async () => {
    const { service } = setupWithData();
    const download = await service.download(OWNER, IMAGE_ID, { start: 1, end: 2 });
    expect(download.range).toEqual({ start: 1, end: 2 });
    expect(await readAll(download.body as ByteSource)).toEqual([11, 12]);
  });

  it('image without data has no body', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    const download = await service.download(OWNER, IMAGE_ID, null);
    expect(download.body).toBeNull();
    expect(download.range).toBeNull();
  });

  it('deactivated forbidden for non-admin', async () => {
    const { service } = setupWithData({ status: 'deactivated' });
    await expect(service.download(OWNER, IMAGE_ID, null)).rejects.toThrow(Forbidden);
  });

  it('deactivated allowed for admin', async () => {
    const { service } = setupWithData({ status: 'deactivated' });
    const download = await service.download(ADMIN, IMAGE_ID, null);
    expect(await readAll(download.body as ByteSource)).toEqual([10, 11, 12, 13, 14]);
  });

  it('reader cannot download', async () => {
    const { service } = setupWithData();
    await expect(service.download(OWNER_READER, IMAGE_ID, null)).rejects.toThrow(PolicyDenied);
  });

  it('other project downloads public', async () => {
    const { service } = setupWithData({ visibility: 'public' });
    const download = await service.download(OTHER, IMAGE_ID, null);
    expect(await readAll(download.body as ByteSource)).toEqual([10, 11, 12, 13, 14]);
  });

  it('private image hidden from others', async () => {
    const { service } = setupWithData();
    await expect(service.download(OTHER, IMAGE_ID, null)).rejects.toThrow(ImageNotFound);
  });
});

describe('resolveRange', () => {
  it.each([
    [{ start: 0, end: 9 }, 100, { start: 0, end: 9 }],
    [{ start: 10, end: null }, 100, { start: 10, end: 99 }],
    [{ start: 0, end: 500 }, 100, { start: 0, end: 99 }],
    [{ start: 99, end: 99 }, 100, { start: 99, end: 99 }],
    [{ start: null, end: 10 }, 100, { start: 90, end: 99 }],
    [{ start: null, end: 200 }, 100, { start: 0, end: 99 }],
    [{ start: null, end: 0 }, 100, { start: 0, end: 99 }],
  ] as [RangeRequest, number, ByteRange][])('range %j of %d bytes', (range, size, expected) => {
    expect(resolveRange(range, size)).toEqual(expected);
  });

  it.each([
    [{ start: 100, end: null }, 100],
    [{ start: 100, end: 200 }, 100],
    [{ start: 10, end: 5 }, 100],
    [{ start: null, end: null }, 100],
    [{ start: null, end: 5 }, 0],
    [{ start: 0, end: null }, 0],
  ] as [RangeRequest, number][])('range %j of %d unsatisfiable', (range, size) => {
    expect(() => resolveRange(range, size)).toThrow(RangeNotSatisfiable);
  });
});
