import { close, constants, fdatasync, fsync, ftruncate, open, write } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const openAsync = promisify(open);
const closeAsync = promisify(close);
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const ftruncateAsync = promisify(ftruncate);

/**
 * Alignment of buffer addresses, file offsets and lengths for O_DIRECT. 4096
 * bytes covers disks with 512-byte and 4096-byte logical blocks.
 */
export const DIRECT_IO_ALIGNMENT = 4096;

export interface ImageFileWriterOptions {
  /**
   * Opens the file with O_DIRECT, so that writes skip the page cache. It falls
   * back to buffered writes when the file system rejects O_DIRECT. Every
   * buffer region written must then start at an aligned address.
   */
  directIo: boolean;
  /** Bytes written between two fdatasync calls, which run while writing goes on. */
  syncIntervalBytes: number;
}

/**
 * Positional writes from one buffer into a new file. With O_DIRECT several
 * writes run at once, and buffered writes run one at a time. While writing,
 * the writer calls fdatasync after every `syncIntervalBytes`, so that the
 * final fsync does not wait for the whole image to reach the disk. The file
 * descriptor is closed only after every write and sync has settled, so no
 * write can reach a reused descriptor.
 */
export class ImageFileWriter {
  /** Writes accepted and not yet done, queued ones included. */
  private inFlight = 0;
  private running = 0;
  private readonly queued: (() => void)[] = [];
  /**
   * Buffered writes to one file serialize on the inode lock in Linux, so
   * running several at once only adds lock contention.
   */
  private readonly maxRunning: number;
  private bytesWritten = 0;
  private bytesAtLastSync = 0;
  private sync: Promise<void> | null = null;
  private failure: Error | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly fd: number,
    /** True when the file was opened with O_DIRECT. */
    readonly direct: boolean,
    private readonly buffer: Buffer,
    private readonly syncIntervalBytes: number,
  ) {
    this.maxRunning = direct ? Number.POSITIVE_INFINITY : 1;
  }

  /** Creates `file`, which must not exist yet, for writes from `buffer`. */
  static async create(file: string, buffer: Buffer, options: ImageFileWriterOptions): Promise<ImageFileWriter> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    if (options.directIo && constants.O_DIRECT !== undefined) {
      try {
        const fd = await openAsync(file, flags | constants.O_DIRECT, 0o666);
        return new ImageFileWriter(fd, true, buffer, options.syncIntervalBytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
        // open(2) can create the file before it rejects O_DIRECT, so remove
        // it before the buffered retry.
        // NOTE: this fallback has not run here, because ext4 and tmpfs on
        // Linux 6.18 both accept O_DIRECT.
        await rm(file, { force: true });
      }
    }
    const fd = await openAsync(file, flags, 0o666);
    return new ImageFileWriter(fd, false, buffer, options.syncIntervalBytes);
  }

  /**
   * Writes buffer bytes [offset, offset + length) at file `position` and calls
   * `done` once the write no longer reads the buffer. With O_DIRECT a length
   * that is not a multiple of the alignment is padded with the bytes that
   * follow in the buffer, and `finish` truncates the file to its real size.
   */
  write(offset: number, length: number, position: number, done: (error?: Error) => void): void {
    const padded = this.direct ? roundUp(length, DIRECT_IO_ALIGNMENT) : length;
    if (offset + padded > this.buffer.length) {
      done(new RangeError(`write of ${padded} bytes at buffer offset ${offset} exceeds the ${this.buffer.length}-byte buffer`));
      return;
    }
    this.inFlight += 1;
    const start = (): void => {
      this.running += 1;
      this.writeFully(offset, padded, position, (error) => {
        this.running -= 1;
        this.inFlight -= 1;
        if (error !== undefined) this.failure ??= error;
        else this.bytesWritten += length;
        this.queued.shift()?.();
        this.startPeriodicSync();
        if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        done(error ?? this.failure ?? undefined);
      });
    };
    if (this.running < this.maxRunning) start();
    else this.queued.push(start);
  }

  /** Waits for every write, truncates the file to `size`, fsyncs and closes it. */
  async finish(size: number): Promise<void> {
    try {
      await this.settle();
      if (this.failure !== null) throw this.failure;
      if (this.direct) await ftruncateAsync(this.fd, size);
      await fsyncAsync(this.fd);
    } finally {
      await this.closeOnce();
    }
  }

  /** Waits for every write and sync, ignoring their errors, and closes the file. */
  async abort(): Promise<void> {
    await this.settle();
    await this.closeOnce().catch(() => undefined);
  }

  private writeFully(offset: number, length: number, position: number, done: (error?: Error) => void): void {
    write(this.fd, this.buffer, offset, length, position, (error, written) => {
      if (error !== null) {
        done(error);
      } else if (written === length) {
        done();
      } else if (written === 0) {
        done(new Error(`write returned 0 bytes at file position ${position}`));
      } else {
        this.writeFully(offset + written, length - written, position + written, done);
      }
    });
  }

  private startPeriodicSync(): void {
    if (this.sync !== null || this.closed || this.failure !== null) return;
    if (this.bytesWritten - this.bytesAtLastSync < this.syncIntervalBytes) return;
    this.bytesAtLastSync = this.bytesWritten;
    this.sync = fdatasyncAsync(this.fd).then(
      () => {
        this.sync = null;
        this.startPeriodicSync();
      },
      (error: Error) => {
        this.sync = null;
        this.failure ??= error;
      },
    );
  }

  private async settle(): Promise<void> {
    while (this.inFlight > 0 || this.sync !== null) {
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      else await this.sync;
    }
  }

  private async closeOnce(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeAsync(this.fd);
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
