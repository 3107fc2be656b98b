import {
  Conflict,
  DomainError,
  Forbidden,
  InvalidInput,
  QuotaExceeded,
  ReadOnlyAttribute,
  ReservedAttribute,
} from '../errors';
import { Image } from './image';
import { applyPatch, decodePointer, parsePatch, PatchDialect } from './image-patch';
import { ImageSettings } from './image-rules';
import { DEFAULT_FORMATS } from './image-schema';

const SETTINGS: ImageSettings = { formats: DEFAULT_FORMATS, propertyQuota: 128, tagQuota: 128 };

function makeImage(fields: Partial<Image> = {}): Image {
  return {
    id: '6b0f4a9e-1c1d-4c5e-9f57-6a3c2b1d0e9f',
    name: 'cirros',
    status: 'queued',
    visibility: 'shared',
    protected: false,
    osHidden: false,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    owner: 'project-a',
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
    ...fields,
  };
}

/** Parses and applies a patch body the way the service does. */
function patch(
  image: Image,
  body: unknown,
  dialect: PatchDialect = '2.1',
  settings: ImageSettings = SETTINGS,
): Image {
  return applyPatch(image, parsePatch(body, dialect, settings), dialect, settings);
}

function thrownBy(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the call to throw');
}

describe('patch dialects', () => {
  it('2.1 replace sets name', () => {
    const result = patch(makeImage(), [{ op: 'replace', path: '/name', value: 'fedora' }]);
    expect(result.name).toBe('fedora');
  });

  it('2.0 replace sets name', () => {
    const result = patch(makeImage(), [{ replace: '/name', value: 'fedora' }], '2.0');
    expect(result.name).toBe('fedora');
  });

  it('2.0 add sets new property', () => {
    const result = patch(makeImage(), [{ add: '/os_distro', value: 'fedora' }], '2.0');
    expect(result.properties).toEqual({ os_distro: 'fedora' });
  });

  it('2.0 remove deletes property', () => {
    const image = makeImage({ properties: { os_distro: 'fedora', hw: 'x' } });
    const result = patch(image, [{ remove: '/os_distro' }], '2.0');
    expect(result.properties).toEqual({ hw: 'x' });
  });

  it('2.0 rejects two operation keys', () => {
    const body = [{ add: '/a', replace: '/a', value: 'x' }];
    expect(() => parsePatch(body, '2.0', SETTINGS)).toThrow(InvalidInput);
  });

  it('2.0 rejects no operation key', () => {
    expect(() => parsePatch([{ move: '/name', value: 'x' }], '2.0', SETTINGS)).toThrow(InvalidInput);
  });

  it('2.1 rejects missing path', () => {
    expect(() => parsePatch([{ op: 'replace', value: 'x' }], '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it('2.1 rejects missing op', () => {
    expect(() => parsePatch([{ path: '/name', value: 'x' }], '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it.each([[{}], ['[]'], [null]])('body %j not a list', (body) => {
    expect(() => parsePatch(body, '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it.each([['replace'], [null], [['op']]])('operation %j not an object', (item) => {
    expect(() => parsePatch([item], '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it('empty list is no change', () => {
    const image = makeImage();
    expect(parsePatch([], '2.1', SETTINGS)).toEqual([]);
    expect(applyPatch(image, [], '2.1', SETTINGS)).toEqual(image);
  });
});

describe('patch attribute checks', () => {
  it.each([
    'status', 'checksum', 'id', 'size', 'virtual_size', 'created_at', 'updated_at',
    'os_hash_algo', 'os_hash_value', 'direct_url', 'self', 'file', 'schema', 'stores',
  ])('read-only %s rejected', (name) => {
    const error = thrownBy(() => parsePatch([{ op: 'replace', path: `/${name}`, value: 'x' }], '2.1', SETTINGS));
    expect(error).toBeInstanceOf(ReadOnlyAttribute);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.params).toEqual({ attribute: name });
  });

  it('read-only remove rejected', () => {
    const error = thrownBy(() => parsePatch([{ op: 'remove', path: '/checksum' }], '2.1', SETTINGS));
    expect(error).toBeInstanceOf(ReadOnlyAttribute);
  });

  it.each(['deleted', 'deleted_at', 'location', 'os_glance_x', 'os_glance_import_task'])(
    'reserved %s rejected',
    (name) => {
      const error = thrownBy(() => parsePatch([{ op: 'add', path: `/${name}`, value: 'x' }], '2.1', SETTINGS));
      expect(error).toBeInstanceOf(ReservedAttribute);
      expect(error).toBeInstanceOf(Forbidden);
      expect(error.params).toEqual({ attribute: name });
    },
  );

  it('locations change forbidden', () => {
    const body = [{ op: 'replace', path: '/locations', value: [] }];
    expect(() => parsePatch(body, '2.1', SETTINGS)).toThrow(Forbidden);
  });

  it.each(['name', '/name/', '//x', '/a~2', '/a~', ''])('pointer %j rejected', (path) => {
    const error = thrownBy(() => parsePatch([{ op: 'replace', path, value: 'x' }], '2.1', SETTINGS));
    expect(error).toBeInstanceOf(InvalidInput);
  });

  it('non-string pointer rejected', () => {
    expect(() => parsePatch([{ op: 'replace', path: 7, value: 'x' }], '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it('tags append pointer rejected', () => {
    const body = [{ op: 'add', path: '/tags/-', value: 'x' }];
    expect(() => parsePatch(body, '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it('nested pointer rejected', () => {
    const body = [{ op: 'replace', path: '/os_distro/x', value: 'x' }];
    expect(() => parsePatch(body, '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it.each(['move', 'copy', 'test', 'ADD'])('operation %s unsupported', (op) => {
    const error = thrownBy(() => parsePatch([{ op, path: '/name', value: 'x' }], '2.1', SETTINGS));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.key).toBe('patch_unsupported_operation');
  });

  it.each(['add', 'replace'])('%s without value rejected', (op) => {
    const error = thrownBy(() => parsePatch([{ op, path: '/name' }], '2.1', SETTINGS));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.key).toBe('patch_value_required');
  });

  it('2.0 add without value rejected', () => {
    expect(() => parsePatch([{ add: '/os_distro' }], '2.0', SETTINGS)).toThrow(InvalidInput);
  });

  it('remove needs no value', () => {
    const operations = parsePatch([{ op: 'remove', path: '/os_distro' }], '2.1', SETTINGS);
    expect(operations).toEqual([{ op: 'remove', path: ['os_distro'], value: undefined }]);
  });

  it.each([
    ['name', 5],
    ['name', 'x'.repeat(256)],
    ['min_ram', -1],
    ['min_disk', -1],
    ['min_ram', 2 ** 31],
    ['min_ram', 1.5],
    ['min_ram', '512'],
    ['disk_format', 'bogus'],
    ['container_format', 'bogus'],
    ['visibility', 'everyone'],
    ['protected', 'yes'],
    ['os_hidden', 1],
    ['tags', 'linux'],
    ['tags', ['linux', 1]],
    ['owner', 42],
    ['os_distro', 7],
    ['os_distro', null],
    ['hw_disk_bus', true],
    ['kernel_id', 'not-a-uuid'],
  ])('value of %s %j rejected', (name, value) => {
    const error = thrownBy(() => parsePatch([{ op: 'add', path: `/${name}`, value }], '2.1', SETTINGS));
    expect(error).toBeInstanceOf(InvalidInput);
  });

  it('value equal to maximum accepted', () => {
    const result = patch(makeImage(), [{ op: 'replace', path: '/min_ram', value: 2 ** 31 - 1 }]);
    expect(result.minRam).toBe(2 ** 31 - 1);
  });

  it('custom key over 255 rejected', () => {
    const body = [{ op: 'add', path: `/${'k'.repeat(256)}`, value: 'x' }];
    expect(() => parsePatch(body, '2.1', SETTINGS)).toThrow(InvalidInput);
  });

  it('custom key of 255 accepted', () => {
    const key = 'k'.repeat(255);
    const result = patch(makeImage(), [{ op: 'add', path: `/${key}`, value: 'x' }]);
    expect(result.properties[key]).toBe('x');
  });
});

describe('patch application', () => {
  it.each(['replace', 'remove'])('%s missing property conflicts', (op) => {
    const image = makeImage({ properties: { os_distro: 'fedora' } });
    const error = thrownBy(() => patch(image, [{ op, path: '/hw_disk_bus', value: 'virtio' }]));
    expect(error).toBeInstanceOf(Conflict);
    expect(error.params).toEqual({ property: 'hw_disk_bus' });
  });

  it.each(['name', 'tags', 'min_ram', 'visibility', 'disk_format'])('remove base %s forbidden', (name) => {
    const error = thrownBy(() => patch(makeImage(), [{ op: 'remove', path: `/${name}` }]));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.key).toBe('property_not_removable');
  });

  it('2.0 add existing property conflicts', () => {
    const image = makeImage({ properties: { os_distro: 'fedora' } });
    expect(() => patch(image, [{ add: '/os_distro', value: 'ubuntu' }], '2.0')).toThrow(Conflict);
  });

  it('2.0 add base attribute conflicts', () => {
    expect(() => patch(makeImage(), [{ add: '/name', value: 'fedora' }], '2.0')).toThrow(Conflict);
  });

  it('2.1 add existing property replaces', () => {
    const image = makeImage({ properties: { os_distro: 'fedora' } });
    const result = patch(image, [{ op: 'add', path: '/os_distro', value: 'ubuntu' }]);
    expect(result.properties).toEqual({ os_distro: 'ubuntu' });
  });

  it('2.1 add base attribute replaces', () => {
    const result = patch(makeImage(), [{ op: 'add', path: '/name', value: 'fedora' }]);
    expect(result.name).toBe('fedora');
  });

  it('2.1 add sets base fields', () => {
    const result = patch(makeImage(), [
      { op: 'add', path: '/min_ram', value: 512 },
      { op: 'add', path: '/min_disk', value: 10 },
      { op: 'replace', path: '/protected', value: true },
      { op: 'replace', path: '/os_hidden', value: true },
      { op: 'replace', path: '/visibility', value: 'private' },
      { op: 'replace', path: '/name', value: null },
    ]);
    expect(result.minRam).toBe(512);
    expect(result.minDisk).toBe(10);
    expect(result.protected).toBe(true);
    expect(result.osHidden).toBe(true);
    expect(result.visibility).toBe('private');
    expect(result.name).toBeNull();
  });

  it('disk_format change on active forbidden', () => {
    const image = makeImage({ status: 'active' });
    const error = thrownBy(() => patch(image, [{ op: 'replace', path: '/disk_format', value: 'raw' }]));
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.params).toEqual({ attribute: 'disk_format', status: 'active' });
  });

  it('container_format change on active forbidden', () => {
    const image = makeImage({ status: 'active' });
    const body = [{ op: 'replace', path: '/container_format', value: 'ovf' }];
    expect(() => patch(image, body)).toThrow(Forbidden);
  });

  it('disk_format change on queued works', () => {
    const result = patch(makeImage(), [{ op: 'replace', path: '/disk_format', value: 'raw' }]);
    expect(result.diskFormat).toBe('raw');
  });

  it('disk_format change on importing works', () => {
    const image = makeImage({ status: 'importing' });
    const result = patch(image, [{ op: 'replace', path: '/disk_format', value: 'raw' }]);
    expect(result.diskFormat).toBe('raw');
  });

  it('unchanged disk_format on active refused', () => {
    const image = makeImage({ status: 'active', diskFormat: 'qcow2' });
    const body = [{ op: 'replace', path: '/disk_format', value: 'qcow2' }];
    expect(thrownBy(() => patch(image, body))).toBeInstanceOf(Forbidden);
  });

  it('tag quota exceeded', () => {
    const settings = { ...SETTINGS, tagQuota: 2 };
    const body = [{ op: 'replace', path: '/tags', value: ['a', 'b', 'c'] }];
    const error = thrownBy(() => patch(makeImage(), body, '2.1', settings));
    expect(error).toBeInstanceOf(QuotaExceeded);
    expect(error.params).toEqual({ limit: 2 });
  });

  it('tag quota reached exactly', () => {
    const settings = { ...SETTINGS, tagQuota: 2 };
    const result = patch(makeImage(), [{ op: 'replace', path: '/tags', value: ['a', 'b'] }], '2.1', settings);
    expect(result.tags).toEqual(['a', 'b']);
  });

  it('negative tag quota is unlimited', () => {
    const settings = { ...SETTINGS, tagQuota: -1 };
    const tags = Array.from({ length: 300 }, (_, i) => `tag-${i}`);
    const result = patch(makeImage(), [{ op: 'replace', path: '/tags', value: tags }], '2.1', settings);
    expect(result.tags).toHaveLength(300);
  });

  it('property quota exceeded', () => {
    const settings = { ...SETTINGS, propertyQuota: 1 };
    const image = makeImage({ properties: { os_distro: 'fedora' } });
    const body = [{ op: 'add', path: '/os_version', value: '40' }];
    expect(() => patch(image, body, '2.1', settings)).toThrow(QuotaExceeded);
  });

  it('duplicate tags collapsed', () => {
    const result = patch(makeImage(), [{ op: 'replace', path: '/tags', value: ['a', 'b', 'a'] }]);
    expect(result.tags).toEqual(['a', 'b']);
  });

  it('operations apply in order', () => {
    const result = patch(makeImage(), [
      { op: 'add', path: '/os_distro', value: 'fedora' },
      { op: 'replace', path: '/os_distro', value: 'ubuntu' },
      { op: 'add', path: '/os_version', value: '22.04' },
      { op: 'remove', path: '/os_version' },
    ]);
    expect(result.properties).toEqual({ os_distro: 'ubuntu' });
  });

  it('replace before add conflicts', () => {
    const body = [
      { op: 'replace', path: '/os_distro', value: 'ubuntu' },
      { op: 'add', path: '/os_distro', value: 'fedora' },
    ];
    expect(() => patch(makeImage(), body)).toThrow(Conflict);
  });

  it('escaped slash names property', () => {
    const result = patch(makeImage(), [{ op: 'add', path: '/a~1b', value: 'x' }]);
    expect(result.properties).toEqual({ 'a/b': 'x' });
  });

  it('leaves the input unchanged', () => {
    const image = makeImage({ tags: ['a'], properties: { os_distro: 'fedora' } });
    patch(image, [
      { op: 'remove', path: '/os_distro' },
      { op: 'replace', path: '/tags', value: ['b'] },
      { op: 'replace', path: '/name', value: 'other' },
    ]);
    expect(image.properties).toEqual({ os_distro: 'fedora' });
    expect(image.tags).toEqual(['a']);
    expect(image.name).toBe('cirros');
  });
});

describe('decodePointer', () => {
  it.each([
    ['/name', ['name']],
    ['/a~1b', ['a/b']],
    ['/a~0b', ['a~b']],
    ['/a~01', ['a~1']],
    ['/a~10', ['a/0']],
    ['/tags/-', ['tags', '-']],
  ])('decodes %j', (pointer, tokens) => {
    expect(decodePointer(pointer)).toEqual(tokens);
  });

  it('error names the pointer', () => {
    const error = thrownBy(() => decodePointer('/a~2'));
    expect(error.key).toBe('patch_invalid_pointer');
    expect(error.params).toEqual({ path: '/a~2' });
  });
});
