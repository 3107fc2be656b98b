/**
 * Header parsers for the disk formats that the format inspector detects.
 * Each works on byte regions captured from the start (or a known offset) of
 * the data and never reads beyond them. Layouts: QEMU's qcow2 and vmdk
 * specifications, Microsoft's VHD and VHDX specifications, VirtualBox's VDI
 * header and ISO 9660's primary volume descriptor.
 */

export const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb];
const VMDK_MAGIC = [0x4b, 0x44, 0x4d, 0x56];
const VHD_COOKIE = ascii('conectix');
export const VHDX_SIGNATURE = ascii('vhdxfile');
const VDI_SIGNATURE = [0x7f, 0x10, 0xda, 0xbe];
const ISO_DESCRIPTOR_OFFSET = 0x8000;
const SECTOR = 512;

/** Offset of the VHDX region table, the first of its two copies. */
export const VHDX_REGION_TABLE_OFFSET = 0x30000;
/** GUID of the VHDX metadata region, as its bytes are laid out on disk. */
const VHDX_METADATA_REGION = guidBytes('8b7ca206-4790-4b9a-b8fe-575f050f886e');
/** GUID of the VHDX "virtual disk size" metadata item. */
const VHDX_VIRTUAL_DISK_SIZE = guidBytes('2fa54224-cd1b-4876-b211-5dbed83bf4b8');

/** VMDK create types without references to other files (Glance's vmdk_allowed_types). */
export const VMDK_ALLOWED_TYPES = ['monolithicSparse', 'streamOptimized'];

function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

/** Returns the bytes of a GUID in the mixed-endian order that Microsoft formats store. */
function guidBytes(guid: string): number[] {
  const hex = guid.replace(/-/g, '');
  const bytes = Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const reorder = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return reorder.map((i) => bytes[i]);
}

export function startsWith(bytes: Uint8Array, offset: number, expected: readonly number[]): boolean {
  if (bytes.length < offset + expected.length) return false;
  return expected.every((byte, i) => bytes[offset + i] === byte);
}

function uint(bytes: Uint8Array, offset: number, length: number, littleEndian: boolean): number {
  let value = 0;
  for (let i = 0; i < length; i++) {
    const index = littleEndian ? offset + length - 1 - i : offset + i;
    value = value * 256 + bytes[index];
  }
  return value;
}

const be = (bytes: Uint8Array, offset: number, length: number) => uint(bytes, offset, length, false);
const le = (bytes: Uint8Array, offset: number, length: number) => uint(bytes, offset, length, true);

/** Why an image is unsafe: a message key and its parameters. */
export interface SafetyFailure {
  key: string;
  params?: Record<string, string>;
}

export type HeaderFormat = 'qcow2' | 'vmdk' | 'vhd' | 'vhdx' | 'vdi' | 'iso';

/** Detects a format from the first bytes, or returns null for data that looks raw. */
export function detectHeaderFormat(head: Uint8Array): HeaderFormat | null {
  if (startsWith(head, 0, QCOW2_MAGIC)) return 'qcow2';
  if (startsWith(head, 0, VMDK_MAGIC) || isVmdkDescriptor(head)) return 'vmdk';
  if (startsWith(head, 0, VHD_COOKIE)) return 'vhd';
  if (startsWith(head, 0, VHDX_SIGNATURE)) return 'vhdx';
  if (startsWith(head, 0x40, VDI_SIGNATURE)) return 'vdi';
  if (isoVolumeSize(head) !== null) return 'iso';
  return null;
}

function isVmdkDescriptor(head: Uint8Array): boolean {
  return startsWith(head, 0, ascii('# Disk DescriptorFile'));
}

/** Reads the qcow2 virtual size, a big-endian uint64 at byte 24. */
export function qcow2VirtualSize(head: Uint8Array): number | null {
  return head.length >= 32 ? be(head, 24, 8) : null;
}

/**
 * Returns why a qcow2 image is unsafe to hand to a hypervisor, or null. A
 * backing file (non-zero offset at byte 8) or an external data file
 * (incompatible feature bit 2 of a version 3 header, at byte 72) makes
 * QEMU open another file named inside the image.
 */
export function qcow2SafetyFailure(head: Uint8Array): SafetyFailure | null {
  if (head.length < 32) return { key: 'image_header_truncated', params: { format: 'qcow2' } };
  if (be(head, 8, 8) !== 0) return { key: 'qcow2_backing_file' };
  const version = be(head, 4, 4);
  if (version >= 3) {
    if (head.length < 80) return { key: 'image_header_truncated', params: { format: 'qcow2' } };
    const incompatibleFeatures = be(head, 72, 8);
    if (Math.floor(incompatibleFeatures / 4) % 2 === 1) return { key: 'qcow2_data_file' };
  }
  return null;
}

/** Reads the capacity of a sparse VMDK extent, a count of sectors at byte 12. */
export function vmdkVirtualSize(head: Uint8Array): number | null {
  if (!startsWith(head, 0, VMDK_MAGIC) || head.length < 20) return null;
  return le(head, 12, 8) * SECTOR;
}

/** Extracts the text descriptor of a VMDK, embedded in a sparse extent or the whole file. */
function vmdkDescriptor(head: Uint8Array): string | null {
  if (isVmdkDescriptor(head)) return latin1(head);
  if (head.length < 44) return null;
  const offset = le(head, 28, 8) * SECTOR;
  const size = le(head, 36, 8) * SECTOR;
  if (offset === 0 || size === 0 || offset + size > head.length) return null;
  return latin1(head.subarray(offset, offset + size));
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0) break;
    text += String.fromCharCode(byte);
  }
  return text;
}

/**
 * Returns why a VMDK is unsafe, or null. Only the create types in
 * VMDK_ALLOWED_TYPES keep their data in the one file, and then the
 * descriptor names exactly one extent, without a directory.
 */
export function vmdkSafetyFailure(head: Uint8Array): SafetyFailure | null {
  const descriptor = vmdkDescriptor(head);
  if (descriptor === null) return { key: 'vmdk_descriptor_missing' };
  const createType = /^\s*createType\s*=\s*"([^"]*)"/m.exec(descriptor)?.[1] ?? null;
  if (createType === null || !VMDK_ALLOWED_TYPES.includes(createType)) {
    const allowed = VMDK_ALLOWED_TYPES.join(', ');
    return { key: 'vmdk_create_type_not_allowed', params: { createType: createType ?? '', allowed } };
  }
  const extents = descriptor.split('\n').filter((line) => /^\s*(RW|RDONLY|NOACCESS)\s/.test(line));
  if (extents.length !== 1) return { key: 'vmdk_extents_not_allowed' };
  const fileName = /"([^"]*)"/.exec(extents[0])?.[1] ?? '';
  if (fileName.includes('/')) return { key: 'vmdk_extents_not_allowed' };
  return null;
}

/** Reads the current size of a VHD, a big-endian uint64 at byte 48 of the footer copy at the start. */
export function vhdVirtualSize(head: Uint8Array): number | null {
  return head.length >= 56 ? be(head, 48, 8) : null;
}

/** Reads the disk size of a VDI, a little-endian uint64 at byte 0x170. */
export function vdiVirtualSize(head: Uint8Array): number | null {
  return head.length >= 0x178 ? le(head, 0x170, 8) : null;
}

/**
 * Reads the volume size of an ISO 9660 image. The primary volume descriptor
 * at 0x8000 holds the volume space size in blocks at byte 80 and the logical
 * block size at byte 128, little-endian.
 */
export function isoVolumeSize(head: Uint8Array): number | null {
  const start = ISO_DESCRIPTOR_OFFSET;
  if (head.length < start + 132) return null;
  if (head[start] !== 1 || !startsWith(head, start + 1, ascii('CD001'))) return null;
  return le(head, start + 80, 4) * le(head, start + 128, 2);
}

/** Finds the metadata region's file offset in a VHDX region table, or null. */
export function vhdxMetadataOffset(regionTable: Uint8Array): number | null {
  if (!startsWith(regionTable, 0, ascii('regi')) || regionTable.length < 16) return null;
  const count = le(regionTable, 8, 4);
  for (let i = 0; i < count; i++) {
    const entry = 16 + i * 32;
    if (entry + 32 > regionTable.length) return null;
    if (startsWith(regionTable, entry, VHDX_METADATA_REGION)) return le(regionTable, entry + 16, 8);
  }
  return null;
}

/** Finds the offset of the virtual disk size item, relative to the metadata region. */
export function vhdxVirtualSizeItemOffset(metadataTable: Uint8Array): number | null {
  if (!startsWith(metadataTable, 0, ascii('metadata')) || metadataTable.length < 32) return null;
  const count = le(metadataTable, 10, 2);
  for (let i = 0; i < count; i++) {
    const entry = 32 + i * 32;
    if (entry + 32 > metadataTable.length) return null;
    if (startsWith(metadataTable, entry, VHDX_VIRTUAL_DISK_SIZE)) return le(metadataTable, entry + 16, 4);
  }
  return null;
}

export function readUint64LittleEndian(bytes: Uint8Array): number | null {
  return bytes.length >= 8 ? le(bytes, 0, 8) : null;
}
