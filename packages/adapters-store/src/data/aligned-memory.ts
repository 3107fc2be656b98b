// The part of the WebAssembly API used here. The project compiles against the
// ES2022 lib, which does not declare WebAssembly.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => {
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  };
};

const WASM_PAGE_BYTES = 64 * 1024;

/**
 * Allocates at least `bytes` of memory at a page-aligned address, as O_DIRECT
 * reads and writes require: V8 maps the memory of a WebAssembly.Memory
 * there, while a Buffer from Buffer.alloc has no such guarantee.
 */
function pageAlignedMemory(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared }).buffer;
}

/** Allocates page-aligned memory that worker threads can share. */
export function sharedPageAlignedMemory(bytes: number): SharedArrayBuffer {
  return pageAlignedMemory(bytes, true) as SharedArrayBuffer;
}

/** Allocates a page-aligned Buffer of `bytes` bytes. */
export function pageAlignedBuffer(bytes: number): Buffer {
  return Buffer.from(pageAlignedMemory(bytes, false), 0, bytes);
}
