import { UnsupportedMediaType } from '../errors';
import { ByteSource } from '../ports/image-data-store.port';
import {
  HeaderFormat,
  SafetyFailure,
  VHDX_REGION_TABLE_OFFSET,
  VHDX_SIGNATURE,
  detectHeaderFormat,
  isoVolumeSize,
  qcow2SafetyFailure,
  qcow2VirtualSize,
  readUint64LittleEndian,
  startsWith,
  vdiVirtualSize,
  vhdVirtualSize,
  vhdxMetadataOffset,
  vhdxVirtualSizeItemOffset,
  vmdkSafetyFailure,
  vmdkVirtualSize,
} from './disk-format-headers';

/** How many leading bytes the inspector looks at; an ISO's volume descriptor ends before this. */
export const INSPECTION_HEAD_BYTES = 64 * 1024;

/** Formats that the inspector distinguishes. Data that matches no header is `raw`. */
export type DetectedFormat = HeaderFormat | 'raw';

/** Disk formats without a header to inspect; their data passes when it looks raw. */
const UNINSPECTED_FORMATS = ['ami', 'ari', 'aki', 'ploop'];

export interface DeclaredFormats {
  diskFormat: string | null;
  containerFormat: string | null;
}

interface Region {
  offset: number;
  bytes: Uint8Array;
  filled: number;
}

/**
 * Inspects image data as it streams past and keeps only the byte regions
 * that the detected format needs. Those are the first INSPECTION_HEAD_BYTES
 * and, for VHDX, the region table, the metadata table and the virtual size
 * item, which may lie megabytes into the file.
 */
export class FormatInspector {
  private position = 0;
  private readonly head: Region = { offset: 0, bytes: new Uint8Array(INSPECTION_HEAD_BYTES), filled: 0 };
  private vhdxRegionTable: Region | null = null;
  private vhdxMetadataTable: Region | null = null;
  private vhdxSizeItem: Region | null = null;
  private detected: DetectedFormat | null = null;

  /** Bytes seen so far. */
  get size(): number {
    return this.position;
  }

  /** True once the whole head is captured. */
  get headComplete(): boolean {
    return this.head.filled === this.head.bytes.length;
  }

  headBytes(): Uint8Array {
    return this.head.bytes.subarray(0, this.head.filled);
  }

  feed(chunk: Uint8Array): void {
    const start = this.position;
    this.position += chunk.length;
    capture(this.head, chunk, start);
    if (!startsWith(this.headBytes(), 0, VHDX_SIGNATURE)) return;
    this.followVhdxRegions(chunk, start);
  }

  /**
   * Returns the format detected from the head. Before the head is complete
   * the result may still change (an ISO's descriptor sits at 32 KiB), so it
   * is cached only from then on.
   */
  format(): DetectedFormat {
    if (this.detected !== null) return this.detected;
    const format = detectHeaderFormat(this.headBytes()) ?? 'raw';
    if (this.headComplete) this.detected = format;
    return format;
  }

  safetyFailure(): SafetyFailure | null {
    switch (this.format()) {
      case 'qcow2':
        return qcow2SafetyFailure(this.headBytes());
      case 'vmdk':
        return vmdkSafetyFailure(this.headBytes());
      default:
        return null;
    }
  }

  /** Returns the virtual size that the header declares. Raw data is its own virtual size. */
  virtualSize(): number | null {
    const head = this.headBytes();
    switch (this.format()) {
      case 'raw':
        return this.position;
      case 'qcow2':
        return qcow2VirtualSize(head);
      case 'vmdk':
        return vmdkVirtualSize(head);
      case 'vhd':
        return vhdVirtualSize(head);
      case 'vdi':
        return vdiVirtualSize(head);
      case 'iso':
        return isoVolumeSize(head);
      case 'vhdx':
        return this.vhdxSizeItem !== null && isFull(this.vhdxSizeItem)
          ? readUint64LittleEndian(this.vhdxSizeItem.bytes)
          : null;
    }
  }

  /** Captures the VHDX tables in turn: each names where the next one is, so it is added once the previous one is full. */
  private followVhdxRegions(chunk: Uint8Array, start: number): void {
    this.vhdxRegionTable ??= region(VHDX_REGION_TABLE_OFFSET, 64 * 1024);
    capture(this.vhdxRegionTable, chunk, start);
    if (!isFull(this.vhdxRegionTable)) return;

    if (this.vhdxMetadataTable === null) {
      const offset = vhdxMetadataOffset(this.vhdxRegionTable.bytes);
      if (offset === null) return;
      this.vhdxMetadataTable = region(offset, 64 * 1024);
    }
    capture(this.vhdxMetadataTable, chunk, start);
    if (!isFull(this.vhdxMetadataTable)) return;

    if (this.vhdxSizeItem === null) {
      const itemOffset = vhdxVirtualSizeItemOffset(this.vhdxMetadataTable.bytes);
      if (itemOffset === null) return;
      this.vhdxSizeItem = region(this.vhdxMetadataTable.offset + itemOffset, 8);
    }
    capture(this.vhdxSizeItem, chunk, start);
  }
}

function region(offset: number, length: number): Region {
  return { offset, bytes: new Uint8Array(length), filled: 0 };
}

function isFull(target: Region): boolean {
  return target.filled === target.bytes.length;
}

/** Copies the part of a chunk at `chunkStart` that falls into the region. Regions fill in order. */
function capture(target: Region, chunk: Uint8Array, chunkStart: number): void {
  const next = target.offset + target.filled;
  if (isFull(target) || next < chunkStart || next >= chunkStart + chunk.length) return;
  const from = next - chunkStart;
  const part = chunk.subarray(from, from + target.bytes.length - target.filled);
  target.bytes.set(part, target.filled);
  target.filled += part.length;
}

/**
 * Checks inspected data against the declared formats, as Glance does with
 * `require_image_format_match` on, and throws UnsupportedMediaType. Only
 * bare containers are inspected and raw accepts any content. Formats without
 * a header pass when the data looks raw. Every other format must match the
 * data and pass its safety check.
 */
export function checkDeclaredFormat(declared: DeclaredFormats, inspector: FormatInspector): void {
  if (!isInspected(declared, inspector.size) || declared.diskFormat === 'raw') return;
  const detected = inspector.format();
  if (detected === 'raw' && UNINSPECTED_FORMATS.includes(declared.diskFormat ?? '')) return;
  if (detected !== declared.diskFormat) {
    throw new UnsupportedMediaType('image_format_mismatch', {
      declared: declared.diskFormat ?? '',
      detected,
    });
  }
  const failure = inspector.safetyFailure();
  if (failure !== null) throw new UnsupportedMediaType(failure.key, failure.params ?? {});
}

/** Returns the virtual size to record, or null when the data is not inspected or has none. */
export function inspectedVirtualSize(declared: DeclaredFormats, inspector: FormatInspector): number | null {
  if (!isInspected(declared, inspector.size)) return null;
  if (declared.diskFormat === 'raw') return inspector.size;
  return inspector.format() === declared.diskFormat ? inspector.virtualSize() : null;
}

/** Glance 25.1 inspects only bare containers and leaves empty data alone. */
function isInspected(declared: DeclaredFormats, size: number): boolean {
  return declared.containerFormat === 'bare' && declared.diskFormat !== null && size > 0;
}

/**
 * Feeds every chunk to the inspector and delays the first chunks until the
 * head is complete (or the data ends), then runs checkDeclaredFormat. So a
 * store consuming this source receives no byte of data that is rejected.
 */
export function inspectingSource(
  source: ByteSource,
  declared: DeclaredFormats,
  inspector: FormatInspector,
): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      let held: Uint8Array[] | null = [];
      for await (const chunk of source) {
        inspector.feed(chunk);
        if (held === null) {
          yield chunk;
          continue;
        }
        held.push(chunk);
        if (!inspector.headComplete) continue;
        checkDeclaredFormat(declared, inspector);
        yield* held;
        held = null;
      }
      if (held === null) return;
      checkDeclaredFormat(declared, inspector);
      yield* held;
    },
  };
}

/**
 * Returns the virtual disk size that a complete head declares for the given
 * formats, or null when the formats are not inspected or the header does not
 * match them. Used by the v1 upload, which inspects without rejecting.
 */
export function inspectVirtualSize(declared: DeclaredFormats, head: Uint8Array, size: number): number | null {
  const inspector = new FormatInspector();
  inspector.feed(head);
  if (!isInspected(declared, size)) return null;
  if (declared.diskFormat === 'raw') return size;
  return inspector.format() === declared.diskFormat ? inspector.virtualSize() : null;
}

/** Passes every chunk through while keeping a copy of the first bytes. */
export function captureHead(source: ByteSource, head: { bytes: Uint8Array }): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      const buffer = new Uint8Array(INSPECTION_HEAD_BYTES);
      let filled = 0;
      for await (const chunk of source) {
        if (filled < buffer.length) {
          const part = chunk.subarray(0, buffer.length - filled);
          buffer.set(part, filled);
          filled += part.length;
          head.bytes = buffer.subarray(0, filled);
        }
        yield chunk;
      }
    },
  };
}
