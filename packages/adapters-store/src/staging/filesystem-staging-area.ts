import { ByteSource, NotFound, PutOptions, QuotaExceeded, StagingArea } from '@iris/domain';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Files in `<data dir>/staging`, one per image, written to a temporary name and renamed. */
export class FilesystemStagingArea implements StagingArea {
  constructor(readonly directory: string) {}

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  /** Path of the staged file of an image; the id is a UUID, so it is safe as a file name. */
  pathOf(imageId: string): string {
    return path.join(this.directory, path.basename(imageId));
  }

  async put(imageId: string, source: ByteSource, options: PutOptions): Promise<number> {
    await this.init();
    const target = this.pathOf(imageId);
    const temporary = `${target}.partial`;
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > options.maxSize) {
          callback(new QuotaExceeded('image_size_cap_exceeded', { limit: options.maxSize }));
          return;
        }
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.from(source), limit, createWriteStream(temporary));
      const handle = await open(temporary, 'r+');
      await handle.sync();
      await handle.close();
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return size;
  }

  async get(imageId: string): Promise<ByteSource> {
    const file = this.pathOf(imageId);
    try {
      await stat(file);
    } catch {
      throw new NotFound('staged_data_not_found', { id: imageId });
    }
    return createReadStream(file);
  }

  async delete(imageId: string): Promise<void> {
    await rm(this.pathOf(imageId), { force: true });
    await rm(`${this.pathOf(imageId)}.partial`, { force: true });
  }
}
