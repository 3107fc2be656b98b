import { ByteSource } from '../ports/image-data-store.port';

/** How many leading bytes the inspector looks at; an ISO's volume descriptor ends before this. */
export const INSPECTION_HEAD_BYTES = 64 * 1024;

const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb];
const ISO_DESCRIPTOR_OFFSET = 0x8000;

function startsWith(head: Uint8Array, offset: number, bytes: readonly number[]): boolean {
  return bytes.every((byte, i) => head[offset + i] === byte);
}

function readUint64BigEndian(head: Uint8Array, offset: number): number {
  let value = 0;
  for (let i = 0; i < 8; i++) value = value * 256 + head[offset + i];
  return value;
}

function readUint32LittleEndian(head: Uint8Array, offset: number): number {
  return head[offset] + head[offset + 1] * 2 ** 8 + head[offset + 2] * 2 ** 16 + head[offset + 3] * 2 ** 24;
}

/**
 * Returns the virtual disk size that the data's header declares for the
 * given formats, or null when the formats are not inspected or the header
 * does not match them. Raw data is its own virtual size. Glance 25.1
 * inspects only bare containers and leaves empty data without one.
 */
export function inspectVirtualSize(
  formats: { diskFormat: string | null; containerFormat: string | null },
  head: Uint8Array,
  size: number,
): number | null {
  if (formats.containerFormat !== 'bare' || size === 0) return null;
  switch (formats.diskFormat) {
    case 'raw':
      return size;
    case 'qcow2':
      // The virtual size is a big-endian uint64 at byte 24 of the qcow2 header.
      return head.length >= 32 && startsWith(head, 0, QCOW2_MAGIC) ? readUint64BigEndian(head, 24) : null;
    case 'iso':
      return isoVirtualSize(head);
    default:
      return null;
  }
}

/**
 * The primary volume descriptor (ISO 9660) holds the volume space size in
 * blocks at byte 80 and the logical block size at byte 128, little-endian.
 */
function isoVirtualSize(head: Uint8Array): number | null {
  const start = ISO_DESCRIPTOR_OFFSET;
  if (head.length < start + 132) return null;
  if (head[start] !== 1 || !startsWith(head, start + 1, [0x43, 0x44, 0x30, 0x30, 0x31])) return null;
  const blocks = readUint32LittleEndian(head, start + 80);
  const blockSize = head[start + 128] + head[start + 129] * 256;
  return blocks * blockSize;
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
