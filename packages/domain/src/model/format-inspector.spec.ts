import { UnsupportedMediaType } from '../errors';
import { ByteSource } from '../ports/image-data-store.port';
import { FormatInspector, inspectedVirtualSize, inspectingSource } from './format-inspector';

const BARE_QCOW2 = { diskFormat: 'qcow2', containerFormat: 'bare' };

function chunked(data: Uint8Array, size: number): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
    },
  };
}

function bytesOf(hex: string): number[] {
  return hex.match(/../g)!.map((pair) => parseInt(pair, 16));
}

/** Builds a VHDX skeleton: signature, a region table naming the metadata region, and its size item. */
function vhdxImage(virtualSize: number): Uint8Array {
  const data = new Uint8Array(0x120000);
  const view = new DataView(data.buffer);
  data.set(Array.from('vhdxfile', (c) => c.charCodeAt(0)), 0);
  const table = 0x30000;
  data.set(Array.from('regi', (c) => c.charCodeAt(0)), table);
  view.setUint32(table + 8, 1, true);
  data.set(bytesOf('06a27c8b90479a4bb8fe575f050f886e'), table + 16);
  view.setBigUint64(table + 32, 0x100000n, true);
  const metadata = 0x100000;
  data.set(Array.from('metadata', (c) => c.charCodeAt(0)), metadata);
  view.setUint16(metadata + 10, 1, true);
  data.set(bytesOf('2442a52f1bcd7648b2115dbed83bf4b8'), metadata + 32);
  view.setUint32(metadata + 48, 0x10000, true);
  view.setBigUint64(metadata + 0x10000, BigInt(virtualSize), true);
  return data;
}

describe('inspectingSource', () => {
  it('passes no byte of rejected data', async () => {
    const passed: Uint8Array[] = [];
    const source = inspectingSource(chunked(new Uint8Array(200_000), 1000), BARE_QCOW2, new FormatInspector());

    const consume = async () => {
      for await (const chunk of source) passed.push(chunk);
    };

    await expect(consume()).rejects.toBeInstanceOf(UnsupportedMediaType);
    expect(passed).toEqual([]);
  });

  it('passes every byte of accepted data', async () => {
    const data = new Uint8Array(100_000).fill(3);
    const raw = { diskFormat: 'raw', containerFormat: 'bare' };
    let total = 0;

    for await (const chunk of inspectingSource(chunked(data, 4096), raw, new FormatInspector())) {
      total += chunk.length;
    }

    expect(total).toBe(data.length);
  });

  it('checks data shorter than the head at its end', async () => {
    const source = inspectingSource(chunked(new Uint8Array(10), 4), BARE_QCOW2, new FormatInspector());

    const consume = async () => {
      for await (const chunk of source) void chunk;
    };

    await expect(consume()).rejects.toMatchObject({ key: 'image_format_mismatch' });
  });
});

describe('FormatInspector', () => {
  it.each([1000, 65536, 0x120000])('finds vhdx virtual size in %i-byte chunks', async (size) => {
    const inspector = new FormatInspector();
    const vhdx = { diskFormat: 'vhdx', containerFormat: 'bare' };

    for await (const chunk of inspectingSource(chunked(vhdxImage(5 * 2 ** 30), size), vhdx, inspector)) {
      void chunk;
    }

    expect(inspector.format()).toBe('vhdx');
    expect(inspectedVirtualSize(vhdx, inspector)).toBe(5 * 2 ** 30);
  });

  it('keeps detection open until head is complete', () => {
    const inspector = new FormatInspector();
    inspector.feed(new Uint8Array(1024));

    expect(inspector.format()).toBe('raw');
    const descriptor = new Uint8Array(0x8000 + 2048 - 1024);
    descriptor.set([1, 0x43, 0x44, 0x30, 0x30, 0x31], 0x8000 - 1024);
    inspector.feed(descriptor);

    expect(inspector.format()).toBe('iso');
  });
});
