import {
  Conflict,
  DomainError,
  Forbidden,
  ImageNotFound,
  NotFound,
  PolicyDenied,
  ProtectedImageDelete,
  QuotaExceeded,
  ReadOnlyAttribute,
} from '../errors';
import { Image } from '../model/image';
import { makeContext } from '../model/request-context';
import { DEFAULT_FORMATS } from '../model/image-schema';
import { Policy } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { IdGenerator } from '../ports/id-generator.port';
import { ByteSource, ImageDataStore, StoredData } from '../ports/image-data-store.port';
import { ImageService, ImageServiceSettings } from './image-service';
import { MemoryImageRepository, MemoryMemberRepository } from '../../test/memory-ports';

// In-memory test doubles of the other ports. They keep only what the service relies on.

/** Records deletions. ImageService never reads or writes image data, so put and get throw. */
class RecordingDataStore implements ImageDataStore {
  readonly storeId = 'memory';
  readonly deleted: string[] = [];

  async put(): Promise<StoredData> {
    throw new Error('ImageService must not write image data');
  }

  async get(): Promise<ByteSource> {
    throw new Error('ImageService must not read image data');
  }

  async delete(url: string): Promise<void> {
    this.deleted.push(url);
  }
}

/** A clock that moves one second forward on every read, so that each write gets a new updatedAt. */
class SteppingClock implements Clock {
  private time = Date.parse('2024-01-01T00:00:00Z');

  now(): Date {
    this.time += 1000;
    return new Date(this.time);
  }
}

class SequentialIds implements IdGenerator {
  private next = 1;

  newId(): string {
    return `00000000-0000-4000-8000-${String(this.next++).padStart(12, '0')}`;
  }
}

const SETTINGS: ImageServiceSettings = {
  formats: DEFAULT_FORMATS,
  propertyQuota: 128,
  tagQuota: 3,
  paging: { defaultLimit: 25, maxLimit: 1000 },
};

const ADMIN = makeContext({ requestId: 'req-1', projectId: 'project-admin', roles: ['admin'] });
const OWNER = makeContext({ requestId: 'req-2', projectId: 'project-owner', roles: ['member'] });
const OWNER_READER = makeContext({ requestId: 'req-3', projectId: 'project-owner', roles: ['reader'] });
const OTHER = makeContext({ requestId: 'req-4', projectId: 'project-other', roles: ['member'] });

const IMAGE_ID = '6b0f4a9e-1c1d-4c5e-9f57-6a3c2b1d0e9f';

function makeImage(fields: Partial<Image> = {}): Image {
  return {
    id: IMAGE_ID,
    name: 'cirros',
    status: 'queued',
    visibility: 'shared',
    protected: false,
    osHidden: false,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner: 'project-owner',
    size: null,
    virtualSize: null,
    containerFormat: 'bare',
    diskFormat: 'qcow2',
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

function setup(policy = new Policy()) {
  const images = new MemoryImageRepository();
  const members = new MemoryMemberRepository();
  const data = new RecordingDataStore();
  const service = new ImageService({
    images,
    members,
    data,
    policy,
    clock: new SteppingClock(),
    ids: new SequentialIds(),
    settings: SETTINGS,
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

describe('ImageService.create', () => {
  it('sets caller project as owner', async () => {
    const { images, service } = setup();
    const image = await service.create(OWNER, { name: 'cirros', disk_format: 'raw' });

    expect(image.owner).toBe('project-owner');
    expect(image.id).toBe('00000000-0000-4000-8000-000000000001');
    expect(image.status).toBe('queued');
    expect(image.visibility).toBe('shared');
    expect(image.diskFormat).toBe('raw');
    expect(image.size).toBeNull();
    expect(image.createdAt).toEqual(new Date('2024-01-01T00:00:01Z'));
    expect(image.updatedAt).toEqual(image.createdAt);
    expect(images.rows.get(image.id)).toEqual(image);
  });

  it('keeps requested id', async () => {
    const { service } = setup();
    expect((await service.create(OWNER, { id: IMAGE_ID })).id).toBe(IMAGE_ID);
  });

  it('other owner forbidden for member', async () => {
    const { images, service } = setup();
    const error = await rejectionOf(service.create(OWNER, { owner: 'project-other' }));
    expect(error).toBeInstanceOf(Forbidden);
    expect(images.rows.size).toBe(0);
  });

  it('other owner forbidden despite policy', async () => {
    const { images, service } = setup(new Policy({ add_image: 'role:member' }));
    const error = await rejectionOf(service.create(OWNER, { owner: 'project-other' }));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.key).toBe('owner_not_permitted');
    expect(images.rows.size).toBe(0);
  });

  it('admin may set other owner', async () => {
    const { service } = setup();
    expect((await service.create(ADMIN, { owner: 'project-other' })).owner).toBe('project-other');
  });

  it('public visibility needs admin', async () => {
    const { images, service } = setup();
    const error = await rejectionOf(service.create(OWNER, { visibility: 'public' }));
    expect(error).toBeInstanceOf(PolicyDenied);
    expect(error.params).toEqual({ action: 'publicize_image' });
    expect(images.rows.size).toBe(0);
  });

  it('admin creates public image', async () => {
    const { service } = setup();
    expect((await service.create(ADMIN, { visibility: 'public' })).visibility).toBe('public');
  });

  it('member creates community image', async () => {
    const { service } = setup();
    expect((await service.create(OWNER, { visibility: 'community' })).visibility).toBe('community');
  });

  it('reader cannot create', async () => {
    const { service } = setup();
    const error = await rejectionOf(service.create(OWNER_READER, { name: 'x' }));
    expect(error).toBeInstanceOf(PolicyDenied);
    expect(error.params).toEqual({ action: 'add_image' });
  });

  it('read-only key rejected', async () => {
    const { images, service } = setup();
    await expect(service.create(OWNER, { status: 'active' })).rejects.toThrow(ReadOnlyAttribute);
    expect(images.rows.size).toBe(0);
  });
});

describe('ImageService.get', () => {
  it('owner reads private image', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ visibility: 'private' }));
    expect((await service.get(OWNER, IMAGE_ID)).id).toBe(IMAGE_ID);
  });

  it('hidden image is not found', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ visibility: 'private' }));
    await expect(service.get(OTHER, IMAGE_ID)).rejects.toThrow(ImageNotFound);
  });

  it('shared image visible to member', async () => {
    const { images, members, service } = setup();
    await images.add(makeImage());
    await expect(service.get(OTHER, IMAGE_ID)).rejects.toThrow(ImageNotFound);

    const at = new Date('2024-01-01T00:00:00Z');
    await members.add({ imageId: IMAGE_ID, memberId: 'project-other', status: 'pending', createdAt: at, updatedAt: at });
    expect((await service.get(OTHER, IMAGE_ID)).id).toBe(IMAGE_ID);
  });

  it('missing image is not found', async () => {
    const { service } = setup();
    await expect(service.get(ADMIN, IMAGE_ID)).rejects.toThrow(ImageNotFound);
  });
});

describe('ImageService.list', () => {
  it('passes parsed query and viewer', async () => {
    const { images, service } = setup();
    const list = jest.spyOn(images, 'list');
    await service.list(OWNER_READER, { limit: '5000', name: 'cirros' });

    const [query, viewer] = list.mock.calls[0];
    expect(query.limit).toBe(1000);
    expect(query.columns).toEqual({ name: ['cirros'] });
    expect(viewer).toEqual({ isAdmin: false, projectId: 'project-owner' });
  });

  it('no roles cannot list', async () => {
    const { service } = setup();
    const ctx = makeContext({ requestId: 'req-9', projectId: 'project-owner', roles: [] });
    await expect(service.list(ctx, {})).rejects.toThrow(PolicyDenied);
  });
});

describe('ImageService.patch', () => {
  it('renames and bumps updatedAt', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    const body = [{ op: 'replace', path: '/name', value: 'fedora' }];
    const result = await service.patch(OWNER, IMAGE_ID, body, '2.1');

    expect(result.name).toBe('fedora');
    expect(result.updatedAt.getTime()).toBeGreaterThan(makeImage().updatedAt.getTime());
    expect(images.rows.get(IMAGE_ID)?.name).toBe('fedora');
  });

  it('empty patch writes nothing', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    const update = jest.spyOn(images, 'update');
    expect(await service.patch(OWNER, IMAGE_ID, [], '2.1')).toEqual(makeImage());
    expect(update).not.toHaveBeenCalled();
  });

  it('non-owner of public image forbidden', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ visibility: 'public' }));
    const body = [{ op: 'replace', path: '/name', value: 'x' }];
    await expect(service.patch(OTHER, IMAGE_ID, body, '2.1')).rejects.toThrow(PolicyDenied);
    expect(images.rows.get(IMAGE_ID)?.name).toBe('cirros');
  });

  it('non-owner of private image not found', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ visibility: 'private' }));
    const body = [{ op: 'replace', path: '/name', value: 'x' }];
    await expect(service.patch(OTHER, IMAGE_ID, body, '2.1')).rejects.toThrow(ImageNotFound);
  });

  it('owner change needs admin', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    const body = [{ op: 'replace', path: '/owner', value: 'project-other' }];

    const error = await rejectionOf(service.patch(OWNER, IMAGE_ID, body, '2.1'));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.key).toBe('owner_change_not_permitted');
    expect(images.rows.get(IMAGE_ID)?.owner).toBe('project-owner');

    expect((await service.patch(ADMIN, IMAGE_ID, body, '2.1')).owner).toBe('project-other');
  });

  it('publicize needs admin', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    const body = [{ op: 'replace', path: '/visibility', value: 'public' }];

    await expect(service.patch(OWNER, IMAGE_ID, body, '2.1')).rejects.toThrow(PolicyDenied);
    expect(images.rows.get(IMAGE_ID)?.visibility).toBe('shared');
    expect((await service.patch(ADMIN, IMAGE_ID, body, '2.1')).visibility).toBe('public');
  });

  it('concurrent change conflicts', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    jest.spyOn(images, 'update').mockResolvedValueOnce(false);
    const body = [{ op: 'replace', path: '/name', value: 'x' }];
    await expect(service.patch(OWNER, IMAGE_ID, body, '2.1')).rejects.toThrow(Conflict);
  });
});

describe('ImageService tags', () => {
  it('addTag appends tag', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ tags: ['a'] }));
    await service.addTag(OWNER, IMAGE_ID, 'b');
    expect(images.rows.get(IMAGE_ID)?.tags).toEqual(['a', 'b']);
  });

  it('addTag existing tag is no-op', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ tags: ['a'] }));
    const update = jest.spyOn(images, 'update');
    await service.addTag(OWNER, IMAGE_ID, 'a');
    expect(update).not.toHaveBeenCalled();
  });

  it('addTag over quota rejected', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ tags: ['a', 'b', 'c'] }));
    await expect(service.addTag(OWNER, IMAGE_ID, 'd')).rejects.toThrow(QuotaExceeded);
    expect(images.rows.get(IMAGE_ID)?.tags).toEqual(['a', 'b', 'c']);
  });

  it('removeTag deletes tag', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ tags: ['a', 'b'] }));
    await service.removeTag(OWNER, IMAGE_ID, 'a');
    expect(images.rows.get(IMAGE_ID)?.tags).toEqual(['b']);
  });

  it('removeTag missing tag not found', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ tags: ['a'] }));
    const error = await rejectionOf(service.removeTag(OWNER, IMAGE_ID, 'z'));
    expect(error).toBeInstanceOf(NotFound);
    expect(error.params).toEqual({ tag: 'z' });
  });
});

describe('ImageService.delete', () => {
  it('protected image rejected', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ protected: true }));
    await expect(service.delete(OWNER, IMAGE_ID)).rejects.toThrow(ProtectedImageDelete);
    expect(await images.findById(IMAGE_ID)).not.toBeNull();
  });

  it('removes image, members and data', async () => {
    const { images, members, data, service } = setup();
    const url = `memory://${IMAGE_ID}`;
    await images.add(makeImage({ status: 'active', size: 3, locations: [{ url, metadata: {} }] }));
    const at = new Date('2024-01-01T00:00:00Z');
    await members.add({ imageId: IMAGE_ID, memberId: 'project-other', status: 'accepted', createdAt: at, updatedAt: at });

    await service.delete(OWNER, IMAGE_ID);

    expect(await images.findById(IMAGE_ID)).toBeNull();
    expect(images.rows.get(IMAGE_ID)?.status).toBe('deleted');
    expect(await members.listByImage(IMAGE_ID)).toEqual([]);
    expect(data.deleted).toEqual([url]);
  });

  it('member of shared image forbidden', async () => {
    const { images, members, service } = setup();
    await images.add(makeImage());
    const at = new Date('2024-01-01T00:00:00Z');
    await members.add({ imageId: IMAGE_ID, memberId: 'project-other', status: 'accepted', createdAt: at, updatedAt: at });
    await expect(service.delete(OTHER, IMAGE_ID)).rejects.toThrow(PolicyDenied);
  });

  it('lost race conflicts', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    jest.spyOn(images, 'markDeleted').mockResolvedValueOnce(false);
    await expect(service.delete(OWNER, IMAGE_ID)).rejects.toThrow(Conflict);
  });
});

describe('ImageService (de)activation', () => {
  it('deactivate queued forbidden', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    const error = await rejectionOf(service.deactivate(OWNER, IMAGE_ID));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.params).toEqual({ status: 'queued' });
  });

  it('deactivate active image', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ status: 'active' }));
    await service.deactivate(OWNER, IMAGE_ID);
    expect(images.rows.get(IMAGE_ID)?.status).toBe('deactivated');
  });

  it('deactivate twice is no-op', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ status: 'deactivated' }));
    const update = jest.spyOn(images, 'update');
    await service.deactivate(OWNER, IMAGE_ID);
    expect(update).not.toHaveBeenCalled();
  });

  it('reactivate deactivated image', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ status: 'deactivated' }));
    await service.reactivate(OWNER, IMAGE_ID);
    expect(images.rows.get(IMAGE_ID)?.status).toBe('active');
  });

  it('reactivate queued forbidden', async () => {
    const { images, service } = setup();
    await images.add(makeImage());
    await expect(service.reactivate(OWNER, IMAGE_ID)).rejects.toThrow(Forbidden);
  });

  it('reader cannot deactivate', async () => {
    const { images, service } = setup();
    await images.add(makeImage({ status: 'active' }));
    await expect(service.deactivate(OWNER_READER, IMAGE_ID)).rejects.toThrow(PolicyDenied);
  });
});
