import { IMAGE_STATUSES } from './image-status';
import { JsonSchema } from './json-schema';
import { VISIBILITIES } from './image';

export const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

export const DEFAULT_DISK_FORMATS = [
  'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop',
] as const;

export const DEFAULT_CONTAINER_FORMATS = [
  'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed',
] as const;

export interface FormatSettings {
  diskFormats: readonly string[];
  containerFormats: readonly string[];
}

export const DEFAULT_FORMATS: FormatSettings = {
  diskFormats: DEFAULT_DISK_FORMATS,
  containerFormats: DEFAULT_CONTAINER_FORMATS,
};

const LOCATION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', maxLength: 255 },
    metadata: { type: 'object' },
    validation_data: {
      description: 'Checksum and hash that the data at this location must have.',
      type: 'object',
      writeOnly: true,
      additionalProperties: false,
      properties: {
        checksum: { type: 'string', minLength: 32, maxLength: 32 },
        os_hash_algo: { type: 'string', maxLength: 64 },
        os_hash_value: { type: 'string', maxLength: 128 },
      },
      required: ['os_hash_algo', 'os_hash_value'],
    },
  },
  required: ['url', 'metadata'],
};

/** Properties that every image has; clients may not remove them. */
export function baseImageProperties(formats: FormatSettings): Record<string, JsonSchema> {
  return {
    id: { type: 'string', description: 'Image identifier (a UUID).', pattern: UUID_PATTERN },
    name: { type: ['null', 'string'], description: 'Name of the image.', maxLength: 255 },
    status: {
      type: 'string',
      readOnly: true,
      description: 'Status of the image.',
      enum: IMAGE_STATUSES,
    },
    visibility: { type: 'string', description: 'Who may see the image.', enum: VISIBILITIES },
    protected: { type: 'boolean', description: 'When true, the image cannot be deleted.' },
    os_hidden: { type: 'boolean', description: 'When true, default listings leave the image out.' },
    checksum: { type: ['null', 'string'], readOnly: true, description: 'MD5 of the data.', maxLength: 32 },
    os_hash_algo: {
      type: ['null', 'string'],
      readOnly: true,
      description: 'Hash algorithm of os_hash_value.',
      maxLength: 64,
    },
    os_hash_value: {
      type: ['null', 'string'],
      readOnly: true,
      description: 'Hex digest of the data with os_hash_algo.',
      maxLength: 128,
    },
    owner: { type: ['null', 'string'], description: 'Project that owns the image.', maxLength: 255 },
    size: { type: ['null', 'integer'], readOnly: true, description: 'Size of the data in bytes.' },
    virtual_size: {
      type: ['null', 'integer'],
      readOnly: true,
      description: 'Virtual disk size in bytes.',
    },
    container_format: {
      type: ['null', 'string'],
      description: 'Container format of the data.',
      enum: [null, ...formats.containerFormats],
    },
    disk_format: {
      type: ['null', 'string'],
      description: 'Disk format of the data.',
      enum: [null, ...formats.diskFormats],
    },
    created_at: { type: 'string', readOnly: true, description: 'Time the image was created.' },
    updated_at: { type: 'string', readOnly: true, description: 'Time the image last changed.' },
    tags: {
      type: 'array',
      description: 'Tags of the image.',
      items: { type: 'string', maxLength: 255 },
    },
    direct_url: { type: 'string', readOnly: true, description: 'URL of the data in its store.' },
    min_ram: { type: 'integer', description: 'Memory in MB needed to boot the image.' },
    min_disk: { type: 'integer', description: 'Disk in GB needed to boot the image.' },
    self: { type: 'string', readOnly: true, description: 'URL of the image.' },
    file: { type: 'string', readOnly: true, description: 'URL of the image data.' },
    stores: {
      type: 'string',
      readOnly: true,
      description: 'Comma-separated ids of the stores that hold the data.',
    },
    schema: { type: 'string', readOnly: true, description: 'URL of the image schema.' },
    locations: {
      type: 'array',
      items: LOCATION_SCHEMA,
      description: 'Locations of the image data in its stores.',
    },
  };
}

const UUID_OR_NULL: JsonSchema = { type: ['null', 'string'], pattern: UUID_PATTERN };

/** Well-known custom properties that the default schema describes. */
export const DEFAULT_EXTRA_PROPERTIES: Record<string, JsonSchema> = {
  kernel_id: { ...UUID_OR_NULL, description: 'Kernel image id for AMI-style images.', is_base: false },
  ramdisk_id: { ...UUID_OR_NULL, description: 'Ramdisk image id for AMI-style images.', is_base: false },
  instance_uuid: { type: 'string', description: 'Instance this image was taken from.', is_base: false },
  architecture: { type: 'string', description: 'CPU architecture of the operating system.', is_base: false },
  os_distro: { type: 'string', description: 'Operating system distribution.', is_base: false },
  os_version: { type: 'string', description: 'Operating system version.', is_base: false },
  description: { type: 'string', description: 'Description of the image.', is_base: false },
  cinder_encryption_key_id: {
    type: 'string',
    description: 'Key manager id of the volume encryption key.',
    is_base: false,
  },
  cinder_encryption_key_deletion_policy: {
    type: 'string',
    enum: ['on_image_deletion', 'do_not_delete'],
    description: 'When the image service deletes the encryption key.',
    is_base: false,
  },
};

export interface ImageSchemaDocument {
  name: 'image';
  properties: Record<string, JsonSchema>;
  additionalProperties: JsonSchema;
  links: { rel: string; href: string }[];
}

export function imageSchema(formats: FormatSettings = DEFAULT_FORMATS): ImageSchemaDocument {
  return {
    name: 'image',
    properties: { ...baseImageProperties(formats), ...DEFAULT_EXTRA_PROPERTIES },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export function imagesSchema(formats: FormatSettings = DEFAULT_FORMATS): object {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema(formats) },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;

export function memberSchema(): object {
  return {
    name: 'member',
    properties: {
      member_id: { type: 'string', description: 'Project id of the member.' },
      image_id: { type: 'string', description: 'Image identifier (a UUID).', pattern: UUID_PATTERN },
      created_at: { type: 'string', description: 'Time the membership was created.' },
      updated_at: { type: 'string', description: 'Time the membership last changed.' },
      status: { type: 'string', description: 'Status of the membership.', enum: MEMBER_STATUSES },
      schema: { readOnly: true, type: 'string' },
    },
  };
}

export function membersSchema(): object {
  return {
    name: 'members',
    properties: {
      members: { type: 'array', items: memberSchema() },
      schema: { type: 'string' },
    },
    links: [{ rel: 'describedby', href: '{schema}' }],
  };
}
