import { Image, Visibility } from './image';
import { makeContext, RequestContext } from './request-context';
import { canSeeImage, ownsImage } from './visibility';

const CALLERS: Record<string, RequestContext> = {
  admin: makeContext({ requestId: 'req-1', projectId: 'project-admin', roles: ['admin'] }),
  owner: makeContext({ requestId: 'req-2', projectId: 'project-owner', roles: ['member'] }),
  other: makeContext({ requestId: 'req-3', projectId: 'project-other', roles: ['member'] }),
  anonymous: makeContext({ requestId: 'req-4', projectId: null, roles: ['reader'] }),
};

function makeImage(visibility: Visibility, owner: string | null): Image {
  return {
    id: '6b0f4a9e-1c1d-4c5e-9f57-6a3c2b1d0e9f',
    name: 'cirros',
    status: 'active',
    visibility,
    protected: false,
    osHidden: false,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner,
    size: null,
    virtualSize: null,
    containerFormat: 'bare',
    diskFormat: 'qcow2',
    minRam: 0,
    minDisk: 0,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    tags: [],
    properties: {},
    locations: [],
  };
}

describe('canSeeImage', () => {
  it.each([
    // caller, visibility, owner, caller is a member, expected
    ['admin', 'private', 'project-owner', false, true],
    ['admin', 'shared', 'project-owner', false, true],
    ['owner', 'private', 'project-owner', false, true],
    ['owner', 'shared', 'project-owner', false, true],
    ['owner', 'public', 'project-owner', false, true],
    ['owner', 'community', 'project-owner', false, true],
    ['other', 'public', 'project-owner', false, true],
    ['other', 'community', 'project-owner', false, true],
    ['other', 'private', 'project-owner', false, false],
    ['other', 'shared', 'project-owner', false, false],
    ['other', 'shared', 'project-owner', true, true],
    ['other', 'private', 'project-owner', true, false],
    ['other', 'private', null, false, true],
    ['anonymous', 'private', 'project-owner', false, false],
    ['anonymous', 'shared', 'project-owner', false, false],
    ['anonymous', 'public', 'project-owner', false, true],
    ['anonymous', 'private', null, false, true],
  ] as const)('%s sees %s image of %s (member %s): %s', (caller, visibility, owner, isMember, expected) => {
    expect(canSeeImage(CALLERS[caller], makeImage(visibility, owner), isMember)).toBe(expected);
  });
});

describe('ownsImage', () => {
  it.each([
    ['owner', 'project-owner', true],
    ['other', 'project-owner', false],
    ['admin', 'project-owner', false],
    ['anonymous', null, false],
    ['owner', null, false],
  ] as const)('%s owns image of %s: %s', (caller, owner, expected) => {
    expect(ownsImage(CALLERS[caller], makeImage('private', owner))).toBe(expected);
  });
});
