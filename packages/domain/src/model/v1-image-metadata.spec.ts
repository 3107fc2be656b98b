import { InvalidInput } from '../errors';
import { Visibility } from './image';
import { DEFAULT_FORMATS } from './image-schema';
import {
  isV1Uuid,
  normaliseV1Metadata,
  V1ImageMetadata,
  visibilityForIsPublic,
} from './v1-image-metadata';

function meta(fields: Partial<V1ImageMetadata>): V1ImageMetadata {
  return { properties: {}, ...fields };
}

describe('visibilityForIsPublic', () => {
  it.each<[Visibility, boolean | undefined, Visibility]>([
    ['public', true, 'public'],
    ['shared', true, 'public'],
    ['private', true, 'public'],
    ['community', true, 'public'],
    ['public', false, 'shared'],
    ['shared', false, 'shared'],
    ['private', false, 'private'],
    ['community', false, 'community'],
    ['public', undefined, 'public'],
    ['private', undefined, 'private'],
  ])('maps %s with is_public %s to %s', (current, isPublic, expected) => {
    expect(visibilityForIsPublic(current, isPublic)).toBe(expected);
  });
});

describe('normaliseV1Metadata', () => {
  it.each([
    [{ diskFormat: 'aki' }, { diskFormat: 'aki', containerFormat: 'aki' }],
    [{ containerFormat: 'ari' }, { diskFormat: 'ari', containerFormat: 'ari' }],
    [
      { diskFormat: 'ami', containerFormat: 'ami' },
      { diskFormat: 'ami', containerFormat: 'ami' },
    ],
    [{ diskFormat: 'raw' }, { diskFormat: 'raw' }],
  ])('completes Amazon formats in %j', (given, expected) => {
    const result = normaliseV1Metadata(meta(given), DEFAULT_FORMATS);

    expect(result).toEqual(meta(expected));
  });

  it.each<[Partial<V1ImageMetadata>, string]>([
    [
      { diskFormat: 'aki', containerFormat: 'bare' },
      'v1_amazon_formats_mismatch',
    ],
    [{ diskFormat: 'floppy' }, 'v1_invalid_disk_format'],
    [{ diskFormat: null }, 'v1_invalid_disk_format'],
    [{ containerFormat: 'zip' }, 'v1_invalid_container_format'],
    [{ name: 'x'.repeat(256) }, 'v1_name_too_long'],
    [{ checksum: 'c'.repeat(33) }, 'v1_checksum_too_long'],
    [{ minRam: 2 ** 31 }, 'value_too_large'],
    [{ minDisk: 2 ** 31 }, 'value_too_large'],
    [{ properties: { ['k'.repeat(256)]: 'v' } }, 'property_key_too_long'],
  ])('rejects %j', (given, key) => {
    const attempt = (): unknown =>
      normaliseV1Metadata(meta(given), DEFAULT_FORMATS);

    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow(expect.objectContaining({ key }));
  });

  it('accepts a 255-character name', () => {
    const name = 'é'.repeat(255);

    expect(normaliseV1Metadata(meta({ name }), DEFAULT_FORMATS).name).toBe(
      name,
    );
  });
});

describe('isV1Uuid', () => {
  it.each([
    ['0e7f2c9a-1b2c-4d3e-8f90-a1b2c3d4e5f6', true],
    ['0E7F2C9A-1B2C-4D3E-8F90-A1B2C3D4E5F6', true],
    ['0e7f2c9a1b2c4d3e8f90a1b2c3d4e5f6', true],
    ['0e7f2c9a-1b2c-4d3e-8f90', false],
    ['not-a-uuid', false],
  ])('%s is %s', (value, expected) => {
    expect(isV1Uuid(value)).toBe(expected);
  });
});
