import {
  FormatInspector,
  ImageDataStore,
  ImportPlugin,
  ImportPluginOutcome,
  inspectedVirtualSize,
  inspectingSource,
  StoredImportData,
} from '@iris/domain';
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConversionSettings {
  /** Disk format that imported images are converted to (Glance's output_format). */
  targetFormat: string;
  /** Folder for the converted file before it is stored. */
  workDirectory: string;
  /** Address space limit of qemu-img, in bytes. */
  memoryLimitBytes: number;
  /** Wall-clock limit of one conversion, in milliseconds; also the CPU-time limit. */
  timeoutMs: number;
}

/**
 * Runs `qemu-img convert` under `prlimit` (address space and CPU time) and
 * a wall-clock timer, and rejects with its exit status and standard error.
 */
export function runQemuImg(args: string[], settings: ConversionSettings): Promise<void> {
  const cpuSeconds = Math.max(1, Math.ceil(settings.timeoutMs / 1000));
  const limits = [`--as=${settings.memoryLimitBytes}`, `--cpu=${cpuSeconds}`];
  return new Promise((resolve, reject) => {
    const child = spawn('prlimit', [...limits, '--', 'qemu-img', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), settings.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`qemu-img ${args[0]} failed (exit ${code ?? signal}): ${stderr.trim()}`));
    });
  });
}

/**
 * Glance's image_conversion plugin: converts the stored, already inspected
 * data to the target format and stores the result in its place.
 */
export class QemuImgConversionPlugin implements ImportPlugin {
  readonly name = 'image_conversion';

  /** `storeOf` returns the store that contains a URL, so that the result stays in that store. */
  constructor(
    private readonly storeOf: (url: string) => ImageDataStore,
    private readonly settings: ConversionSettings,
  ) {}

  async afterStore({ image, stored }: StoredImportData): Promise<ImportPluginOutcome> {
    const target = this.settings.targetFormat;
    if (image.diskFormat === null || image.diskFormat === target) return { stored };

    await mkdir(this.settings.workDirectory, { recursive: true });
    const folder = await mkdtemp(path.join(this.settings.workDirectory, 'convert-'));
    try {
      const output = path.join(folder, image.id);
      const input = fileURLToPath(stored.url);
      const qemuFormat = image.diskFormat === 'vhd' ? 'vpc' : image.diskFormat;
      await runQemuImg(['convert', '-f', qemuFormat, '-O', target, input, output], this.settings);

      const formats = { diskFormat: target, containerFormat: image.containerFormat };
      const inspector = new FormatInspector();
      const source = inspectingSource(createReadStream(output), formats, inspector);
      const store = this.storeOf(stored.url);
      const converted = await store.put(image.id, source, { maxSize: Number.MAX_SAFE_INTEGER });
      if (converted.url !== stored.url) await store.delete(stored.url);
      return { stored: converted, formats, virtualSize: inspectedVirtualSize(formats, inspector) };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}
