import { InvalidInput, InvalidStatusTransition } from '../errors';
import { Image, requireFormats, withStatus } from './image';

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
    containerFormat: null,
    diskFormat: null,
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

const WITH_FORMATS = { containerFormat: 'bare', diskFormat: 'qcow2' };

describe('withStatus', () => {
  it.each(['saving', 'active', 'importing'] as const)('queued to %s needs formats', (to) => {
    const image = makeImage();
    expect(() => withStatus(image, to)).toThrow(InvalidInput);
  });

  it.each(['saving', 'active', 'importing'] as const)('queued to %s with formats', (to) => {
    const image = makeImage(WITH_FORMATS);
    expect(withStatus(image, to).status).toBe(to);
  });

  it('uploading to importing needs formats', () => {
    const image = makeImage({ status: 'uploading' });
    expect(() => withStatus(image, 'importing')).toThrow(InvalidInput);
  });

  it('missing formats are named', () => {
    const image = makeImage({ diskFormat: 'raw' });
    let caught: unknown;
    try {
      withStatus(image, 'saving');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInput);
    expect((caught as InvalidInput).key).toBe('formats_required');
    expect((caught as InvalidInput).params).toEqual({ properties: 'container_format' });
  });

  it('queued to uploading needs no formats', () => {
    expect(withStatus(makeImage(), 'uploading').status).toBe('uploading');
  });

  it('queued to deleted needs no formats', () => {
    expect(withStatus(makeImage(), 'deleted').status).toBe('deleted');
  });

  it('back to queued resets sizes', () => {
    const image = makeImage({ ...WITH_FORMATS, status: 'saving', size: 1024, virtualSize: 4096 });
    const queued = withStatus(image, 'queued');
    expect(queued.status).toBe('queued');
    expect(queued.size).toBeNull();
    expect(queued.virtualSize).toBeNull();
    expect(queued.diskFormat).toBe('qcow2');
  });

  it('other moves keep sizes', () => {
    const image = makeImage({ ...WITH_FORMATS, status: 'active', size: 1024, virtualSize: 4096 });
    const deactivated = withStatus(image, 'deactivated');
    expect(deactivated.size).toBe(1024);
    expect(deactivated.virtualSize).toBe(4096);
  });

  it('leaves the input unchanged', () => {
    const image = makeImage({ ...WITH_FORMATS, status: 'saving', size: 1024 });
    withStatus(image, 'queued');
    expect(image.status).toBe('saving');
    expect(image.size).toBe(1024);
  });

  it('checks the transition table', () => {
    const image = makeImage({ ...WITH_FORMATS, status: 'active' });
    expect(() => withStatus(image, 'queued')).toThrow(InvalidStatusTransition);
  });
});

describe('requireFormats', () => {
  it('names both missing formats', () => {
    let caught: unknown;
    try {
      requireFormats(makeImage());
    } catch (error) {
      caught = error;
    }
    expect((caught as InvalidInput).params).toEqual({ properties: 'container_format, disk_format' });
  });

  it('accepts both formats set', () => {
    expect(() => requireFormats(makeImage(WITH_FORMATS))).not.toThrow();
  });
});
