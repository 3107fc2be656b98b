import { Image } from '../model/image';
import { ImageStatus } from '../model/image-status';
import { ImageRepository, UpdateCondition } from '../ports/image-repository.port';
import { UploadRecovery } from './upload-recovery';

const NOW = new Date('2026-02-01T10:00:00Z');

/** Keeps images by id and applies the revision condition as the adapters do. */
class MemoryImageRepository implements ImageRepository {
  readonly rows = new Map<string, Image>();
  /** Runs before each update, to simulate a concurrent writer. */
  beforeUpdate: (id: string) => void = () => undefined;

  async add(image: Image): Promise<void> {
    this.rows.set(image.id, { ...image, revision: 0 });
  }

  async findById(id: string): Promise<Image | null> {
    return this.rows.get(id) ?? null;
  }

  async list(): Promise<Image[]> {
    throw new Error('UploadRecovery must not list images');
  }

  async listByStatus(status: ImageStatus): Promise<Image[]> {
    return [...this.rows.values()].filter((image) => image.status === status);
  }

  async update(image: Image, expected: UpdateCondition): Promise<boolean> {
    this.beforeUpdate(image.id);
    const row = this.rows.get(image.id);
    if (row === undefined || row.status !== expected.status) return false;
    if (expected.revision !== undefined && row.revision !== expected.revision) return false;
    this.rows.set(image.id, { ...image, revision: (row.revision ?? 0) + 1 });
    return true;
  }

  async markDeleted(): Promise<boolean> {
    throw new Error('UploadRecovery must not delete images');
  }
}

function image(id: string, status: ImageStatus): Image {
  return {
    id,
    name: id,
    status,
    visibility: 'private',
    protected: false,
    osHidden: false,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner: 'project-a',
    size: status === 'active' ? 3 : null,
    virtualSize: null,
    containerFormat: 'bare',
    diskFormat: 'raw',
    minRam: 0,
    minDisk: 0,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    tags: [],
    properties: {},
    locations: [],
  };
}

describe('UploadRecovery', () => {
  let images: MemoryImageRepository;
  let recovery: UploadRecovery;

  beforeEach(() => {
    images = new MemoryImageRepository();
    recovery = new UploadRecovery({ images, clock: { now: () => NOW } });
  });

  it('requeues saving images', async () => {
    await images.add(image('a', 'saving'));
    await images.add(image('b', 'saving'));

    const requeued = await recovery.requeueInterruptedUploads();

    expect(requeued.map((item) => item.id)).toEqual(['a', 'b']);
    expect(images.rows.get('a')?.status).toBe('queued');
    expect(images.rows.get('b')?.status).toBe('queued');
    expect(images.rows.get('a')?.updatedAt).toEqual(NOW);
    expect(images.rows.get('a')?.size).toBeNull();
  });

  it('leaves other statuses alone', async () => {
    await images.add(image('active', 'active'));
    await images.add(image('queued', 'queued'));

    const requeued = await recovery.requeueInterruptedUploads();

    expect(requeued).toEqual([]);
    expect(images.rows.get('active')?.status).toBe('active');
    expect(images.rows.get('queued')?.revision).toBe(0);
  });

  it('skips an image changed meanwhile', async () => {
    await images.add(image('a', 'saving'));
    images.beforeUpdate = (id) => {
      const row = images.rows.get(id) as Image;
      images.rows.set(id, { ...row, status: 'active', revision: 1 });
    };

    const requeued = await recovery.requeueInterruptedUploads();

    expect(requeued).toEqual([]);
    expect(images.rows.get('a')?.status).toBe('active');
  });
});
