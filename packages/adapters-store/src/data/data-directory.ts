import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Name of a temporary upload file: FilesystemDataStore writes
 * `.partial-<image id>-<random hex>` and renames it to the image id.
 */
const PARTIAL_FILE = /^\.partial-(.+)-[0-9a-f]+$/;

/** One regular file in the data directory. */
export interface DataFile {
  /** Absolute path. */
  path: string;
  /** The location URL that FilesystemDataStore stores for this file. */
  url: string;
  /** Image whose data it is, or whose upload wrote it. */
  imageId: string;
  /** True for a temporary upload file, false for an image's data. */
  partial: boolean;
}

/**
 * Maintenance of the filesystem store's directory: listing its image and
 * temporary files, and removing them. It reads no database, so callers
 * decide which files are orphans.
 */
export class DataDirectory {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
  }

  /** Lists image files and temporary upload files; other names are skipped. */
  async list(): Promise<DataFile[]> {
    const entries = await readdir(this.directory, { withFileTypes: true }).catch(ignoreMissing);
    const files: DataFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = this.describe(entry.name);
      if (file !== null) files.push(file);
    }
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Lists the temporary upload files alone. */
  async listPartial(): Promise<DataFile[]> {
    return (await this.list()).filter((file) => file.partial);
  }

  /** Removes one file; a file that is already gone is not an error. */
  async remove(file: DataFile): Promise<void> {
    await rm(file.path, { force: true });
  }

  private describe(name: string): DataFile | null {
    const file = path.join(this.directory, name);
    const url = pathToFileURL(file).href;
    const partial = PARTIAL_FILE.exec(name);
    if (partial !== null) return { path: file, url, imageId: partial[1], partial: true };
    if (name.startsWith('.')) return null;
    return { path: file, url, imageId: name, partial: false };
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): never[] {
  if (error.code === 'ENOENT') return [];
  throw error;
}
