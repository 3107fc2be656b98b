import {
  DomainError,
  Forbidden,
  InvalidInput,
  QuotaExceeded,
  ReadOnlyAttribute,
  ReservedAttribute,
} from '../errors';
import { Image } from './image';
import { checkFormatChangeAllowed, checkQuotas, ImageSettings, parseImageDraft } from './image-rules';
import { DEFAULT_FORMATS } from './image-schema';

const SETTINGS: ImageSettings = { formats: DEFAULT_FORMATS, propertyQuota: 128, tagQuota: 128 };
const IMAGE_ID = '6b0f4a9e-1c1d-4c5e-9f57-6a3c2b1d0e9f';

function thrownBy(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the call to throw');
}

describe('parseImageDraft', () => {
  it('empty body gives defaults', () => {
    expect(parseImageDraft({}, SETTINGS)).toEqual({
      id: undefined,
      name: null,
      visibility: undefined,
      protected: false,
      osHidden: false,
      owner: undefined,
      containerFormat: null,
      diskFormat: null,
      minRam: 0,
      minDisk: 0,
      tags: [],
      properties: {},
    });
  });

  it('keeps properties named like Object members', () => {
    const body = JSON.parse('{"constructor":"a","toString":"b","__proto__":"c"}') as unknown;

    const draft = parseImageDraft(body, SETTINGS);

    expect(Object.entries(draft.properties)).toEqual([
      ['constructor', 'a'],
      ['toString', 'b'],
      ['__proto__', 'c'],
    ]);
  });

  it('maps every writable field', () => {
    const draft = parseImageDraft(
      {
        id: IMAGE_ID,
        name: 'cirros',
        visibility: 'private',
        protected: true,
        os_hidden: true,
        owner: 'project-b',
        container_format: 'bare',
        disk_format: 'qcow2',
        min_ram: 512,
        min_disk: 1,
        tags: ['a', 'b'],
        os_distro: 'cirros',
      },
      SETTINGS,
    );
    expect(draft).toEqual({
      id: IMAGE_ID,
      name: 'cirros',
      visibility: 'private',
      protected: true,
      osHidden: true,
      owner: 'project-b',
      containerFormat: 'bare',
      diskFormat: 'qcow2',
      minRam: 512,
      minDisk: 1,
      tags: ['a', 'b'],
      properties: { os_distro: 'cirros' },
    });
  });

  it.each([[null], [[]], ['{}'], [5]])('body %j not an object', (body) => {
    expect(() => parseImageDraft(body, SETTINGS)).toThrow(InvalidInput);
  });

  it.each([
    ['self', '/v2/images/x'],
    ['file', '/v2/images/x/file'],
    ['schema', '/v2/schemas/image'],
    ['stores', 'file'],
    ['direct_url', 'file:///tmp/x'],
    ['status', 'active'],
    ['checksum', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['size', 10],
    ['virtual_size', 10],
    ['created_at', '2024-01-01T00:00:00Z'],
    ['updated_at', '2024-01-01T00:00:00Z'],
  ])('read-only %s rejected', (key, value) => {
    const error = thrownBy(() => parseImageDraft({ name: 'x', [key]: value }, SETTINGS));
    expect(error).toBeInstanceOf(ReadOnlyAttribute);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.params).toEqual({ attribute: key });
  });

  it('locations reserved', () => {
    const error = thrownBy(() => parseImageDraft({ locations: [] }, SETTINGS));
    expect(error).toBeInstanceOf(ReservedAttribute);
    expect(error.params).toEqual({ attribute: 'locations' });
  });

  it.each(['deleted', 'deleted_at', 'location', 'os_glance_x'])('reserved %s rejected', (key) => {
    const error = thrownBy(() => parseImageDraft({ [key]: 'x' }, SETTINGS));
    expect(error).toBeInstanceOf(ReservedAttribute);
    expect(error.params).toEqual({ attribute: key });
  });

  it('os_hash_value silently dropped', () => {
    const draft = parseImageDraft({ name: 'x', os_hash_value: 'abc', os_hash_algo: 'sha512' }, SETTINGS);
    expect(draft.properties).toEqual({});
    expect(Object.values(draft)).not.toContain('abc');
    expect(Object.values(draft)).not.toContain('sha512');
  });

  it.each([
    ['os_distro', 7],
    ['hw_disk_bus', true],
    ['hw_disk_bus', null],
    ['hw_disk_bus', ['virtio']],
    ['hw_disk_bus', { bus: 'virtio' }],
  ])('custom %s value %j rejected', (key, value) => {
    expect(() => parseImageDraft({ [key]: value }, SETTINGS)).toThrow(InvalidInput);
  });

  it('custom string value kept', () => {
    expect(parseImageDraft({ hw_disk_bus: 'virtio' }, SETTINGS).properties).toEqual({ hw_disk_bus: 'virtio' });
  });

  it('custom key over 255 rejected', () => {
    const error = thrownBy(() => parseImageDraft({ ['k'.repeat(256)]: 'x' }, SETTINGS));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.params).toEqual({ maximum: 255 });
  });

  it('custom key of 255 accepted', () => {
    const key = 'k'.repeat(255);
    expect(parseImageDraft({ [key]: 'x' }, SETTINGS).properties).toEqual({ [key]: 'x' });
  });

  it('duplicate tags collapsed', () => {
    expect(parseImageDraft({ tags: ['a', 'b', 'a', 'b'] }, SETTINGS).tags).toEqual(['a', 'b']);
  });

  it.each([
    ['name', 5],
    ['visibility', 'everyone'],
    ['protected', 'true'],
    ['min_ram', -1],
    ['min_disk', 2 ** 31],
    ['disk_format', 'bogus'],
    ['container_format', 'bogus'],
    ['id', 'not-a-uuid'],
    ['tags', [1]],
    ['kernel_id', 'not-a-uuid'],
    ['cinder_encryption_key_deletion_policy', 'sometimes'],
  ])('value of %s %j rejected', (key, value) => {
    expect(() => parseImageDraft({ [key]: value }, SETTINGS)).toThrow(InvalidInput);
  });

  it('tag quota exceeded', () => {
    const settings = { ...SETTINGS, tagQuota: 1 };
    expect(() => parseImageDraft({ tags: ['a', 'b'] }, settings)).toThrow(QuotaExceeded);
  });

  it('property quota exceeded', () => {
    const settings = { ...SETTINGS, propertyQuota: 1 };
    expect(() => parseImageDraft({ os_distro: 'a', os_version: 'b' }, settings)).toThrow(QuotaExceeded);
  });
});

describe('checkQuotas', () => {
  it('os_glance properties not counted', () => {
    const settings = { ...SETTINGS, propertyQuota: 1 };
    const image = { tags: [], properties: { os_glance_import_task: 't', os_distro: 'a' } };
    expect(() => checkQuotas(image, settings)).not.toThrow();
  });
});

describe('checkFormatChangeAllowed', () => {
  it.each(['queued', 'importing'] as const)('status %s allows change', (status) => {
    const image = { status } as Image;
    expect(() => checkFormatChangeAllowed(image, 'disk_format')).not.toThrow();
  });

  it.each(['saving', 'uploading', 'active', 'deactivated', 'killed'] as const)(
    'status %s forbids change',
    (status) => {
      const image = { status } as Image;
      expect(() => checkFormatChangeAllowed(image, 'disk_format')).toThrow(Forbidden);
    },
  );
});
