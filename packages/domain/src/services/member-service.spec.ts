import {
  Conflict,
  DomainError,
  Forbidden,
  ImageNotFound,
  InvalidInput,
  NotFound,
  PolicyDenied,
  QuotaExceeded,
} from '../errors';
import { Image, Visibility } from '../model/image';
import { Member, MemberStatus } from '../model/member';
import { makeContext } from '../model/request-context';
import { Policy } from '../policy/policy';
import { Clock } from '../ports/clock.port';
import { MemberService } from './member-service';
import { MemoryImageRepository, MemoryMemberRepository } from '../../test/memory-ports';

// In-memory test doubles of the other ports. They keep only what the service relies on.

class FixedClock implements Clock {
  now(): Date {
    return new Date('2024-01-01T12:00:00Z');
  }
}

const ADMIN = makeContext({ requestId: 'req-1', projectId: 'project-admin', roles: ['admin'] });
const OWNER = makeContext({ requestId: 'req-2', projectId: 'project-owner', roles: ['member'] });
const MEMBER = makeContext({ requestId: 'req-3', projectId: 'project-member', roles: ['member'] });
const SECOND_MEMBER = makeContext({ requestId: 'req-4', projectId: 'project-second', roles: ['member'] });
const STRANGER = makeContext({ requestId: 'req-5', projectId: 'project-stranger', roles: ['member'] });

const IMAGE_ID = '6b0f4a9e-1c1d-4c5e-9f57-6a3c2b1d0e9f';
const EARLIER = new Date('2023-06-01T00:00:00Z');

function makeImage(visibility: Visibility = 'shared'): Image {
  return {
    id: IMAGE_ID,
    name: 'cirros',
    status: 'active',
    visibility,
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
    createdAt: EARLIER,
    updatedAt: EARLIER,
    tags: [],
    properties: {},
    locations: [],
  };
}

function membership(memberId: string, status: MemberStatus = 'pending'): Member {
  return { imageId: IMAGE_ID, memberId, status, createdAt: EARLIER, updatedAt: EARLIER };
}

/**
 * Creates a shared image of project-owner unless `visibility` sets another.
 * Its pending members are project-member and project-second unless `members` lists others.
 */
async function setup(options: { visibility?: Visibility; memberQuota?: number; members?: string[] } = {}) {
  const images = new MemoryImageRepository();
  const members = new MemoryMemberRepository();
  await images.add(makeImage(options.visibility));
  for (const memberId of options.members ?? ['project-member', 'project-second']) {
    await members.add(membership(memberId));
  }
  const service = new MemberService({
    images,
    members,
    policy: new Policy(),
    clock: new FixedClock(),
    settings: { memberQuota: options.memberQuota ?? 128 },
  });
  return { images, members, service };
}

async function rejectionOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the promise to reject');
}

describe('MemberService.add', () => {
  it('adds pending member', async () => {
    const { members, service } = await setup({ members: [] });
    const member = await service.add(OWNER, IMAGE_ID, { member: 'project-member' });

    const now = new Date('2024-01-01T12:00:00Z');
    expect(member).toEqual({
      imageId: IMAGE_ID,
      memberId: 'project-member',
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    expect(await members.find(IMAGE_ID, 'project-member')).toEqual(member);
  });

  it.each(['private', 'public', 'community'] as const)('%s image has no members', async (visibility) => {
    const { members, service } = await setup({ visibility, members: [] });
    const error = await rejectionOf(service.add(OWNER, IMAGE_ID, { member: 'project-member' }));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.params).toEqual({ visibility });
    expect(members.rows.size).toBe(0);
  });

  it('duplicate member conflicts', async () => {
    const { service } = await setup();
    await expect(service.add(OWNER, IMAGE_ID, { member: 'project-member' })).rejects.toThrow(Conflict);
  });

  it('member quota exceeded', async () => {
    const { service } = await setup({ memberQuota: 2 });
    const error = await rejectionOf(service.add(OWNER, IMAGE_ID, { member: 'project-third' }));
    expect(error).toBeInstanceOf(QuotaExceeded);
    expect(error.params).toEqual({ limit: 2 });
  });

  it('negative quota is unlimited', async () => {
    const { service } = await setup({ memberQuota: -1 });
    expect((await service.add(OWNER, IMAGE_ID, { member: 'project-third' })).memberId).toBe('project-third');
  });

  it.each([
    [null],
    [['project-member']],
    [{}],
    [{ member: '' }],
    [{ member: '   ' }],
    [{ member: 5 }],
    [{ member: 'p'.repeat(256) }],
  ])('body %j rejected', async (body) => {
    const { service } = await setup({ members: [] });
    await expect(service.add(OWNER, IMAGE_ID, body)).rejects.toThrow(InvalidInput);
  });

  it('member cannot add members', async () => {
    const { service } = await setup();
    await expect(service.add(MEMBER, IMAGE_ID, { member: 'project-third' })).rejects.toThrow(PolicyDenied);
  });

  it('stranger gets not found', async () => {
    const { service } = await setup();
    await expect(service.add(STRANGER, IMAGE_ID, { member: 'project-third' })).rejects.toThrow(ImageNotFound);
  });
});

describe('MemberService.updateStatus', () => {
  it('member accepts image', async () => {
    const { members, service } = await setup();
    const member = await service.updateStatus(MEMBER, IMAGE_ID, 'project-member', { status: 'accepted' });

    expect(member.status).toBe('accepted');
    expect(member.updatedAt).toEqual(new Date('2024-01-01T12:00:00Z'));
    expect(member.createdAt).toEqual(EARLIER);
    expect((await members.find(IMAGE_ID, 'project-member'))?.status).toBe('accepted');
  });

  it('owner cannot set status', async () => {
    const { members, service } = await setup();
    const error = await rejectionOf(
      service.updateStatus(OWNER, IMAGE_ID, 'project-member', { status: 'accepted' }),
    );
    expect(error).toBeInstanceOf(Forbidden);
    expect((await members.find(IMAGE_ID, 'project-member'))?.status).toBe('pending');
  });

  it('other member entry hidden on update', async () => {
    const { service } = await setup();
    const update = service.updateStatus(MEMBER, IMAGE_ID, 'project-second', { status: 'rejected' });
    await expect(update).rejects.toThrow(NotFound);
  });

  it('admin may set status', async () => {
    const { service } = await setup();
    const member = await service.updateStatus(ADMIN, IMAGE_ID, 'project-member', { status: 'rejected' });
    expect(member.status).toBe('rejected');
  });

  it.each([[{}], [{ status: 'maybe' }], [{ status: 'Accepted' }], [null]])('body %j rejected', async (body) => {
    const { service } = await setup();
    await expect(service.updateStatus(MEMBER, IMAGE_ID, 'project-member', body)).rejects.toThrow(InvalidInput);
  });

  it('unknown member not found', async () => {
    const { service } = await setup();
    const update = service.updateStatus(ADMIN, IMAGE_ID, 'project-third', { status: 'accepted' });
    await expect(update).rejects.toThrow(NotFound);
  });

  it('private image forbidden', async () => {
    const { service } = await setup({ visibility: 'private' });
    const update = service.updateStatus(ADMIN, IMAGE_ID, 'project-member', { status: 'accepted' });
    await expect(update).rejects.toThrow(Forbidden);
  });
});

describe('MemberService.list and get', () => {
  it('owner lists every member', async () => {
    const { service } = await setup();
    const ids = (await service.list(OWNER, IMAGE_ID)).map((member) => member.memberId);
    expect(ids.sort()).toEqual(['project-member', 'project-second']);
  });

  it('member lists only itself', async () => {
    const { service } = await setup();
    const ids = (await service.list(MEMBER, IMAGE_ID)).map((member) => member.memberId);
    expect(ids).toEqual(['project-member']);
  });

  it('private image list forbidden', async () => {
    const { service } = await setup({ visibility: 'private' });
    await expect(service.list(OWNER, IMAGE_ID)).rejects.toThrow(Forbidden);
  });

  it('member gets own entry', async () => {
    const { service } = await setup();
    expect((await service.get(MEMBER, IMAGE_ID, 'project-member')).memberId).toBe('project-member');
  });

  it('other member entry not found', async () => {
    const { service } = await setup();
    await expect(service.get(MEMBER, IMAGE_ID, 'project-second')).rejects.toThrow(NotFound);
  });

  it('owner gets any entry', async () => {
    const { service } = await setup();
    expect((await service.get(OWNER, IMAGE_ID, 'project-second')).memberId).toBe('project-second');
  });
});

describe('MemberService.remove', () => {
  it('owner removes member', async () => {
    const { members, service } = await setup();
    await service.remove(OWNER, IMAGE_ID, 'project-member');
    expect(await members.find(IMAGE_ID, 'project-member')).toBeNull();
    expect(await members.find(IMAGE_ID, 'project-second')).not.toBeNull();
  });

  it('missing member not found', async () => {
    const { service } = await setup();
    await expect(service.remove(OWNER, IMAGE_ID, 'project-third')).rejects.toThrow(NotFound);
  });

  it('member cannot remove itself', async () => {
    const { members, service } = await setup();
    await expect(service.remove(MEMBER, IMAGE_ID, 'project-member')).rejects.toThrow(PolicyDenied);
    expect(await members.find(IMAGE_ID, 'project-member')).not.toBeNull();
  });

  it('second member still sees image', async () => {
    const { service } = await setup();
    await service.remove(OWNER, IMAGE_ID, 'project-member');
    expect(await service.list(SECOND_MEMBER, IMAGE_ID)).toHaveLength(1);
    await expect(service.list(MEMBER, IMAGE_ID)).rejects.toThrow(ImageNotFound);
  });
});
