import { Logger } from '@iris/adapters-http';
import { DataDirectory, DataFile } from '@iris/adapters-store';
import { Clock, ImageRepository, UploadRecovery } from '@iris/domain';

/**
 * Lists the files in the data directory that no live image uses: data of a
 * deleted or unknown image, data that the image does not point to, and
 * temporary upload files. Files of an image in `saving` are left out,
 * because a running server may be writing them.
 */
export async function findOrphans(directory: DataDirectory, images: ImageRepository): Promise<DataFile[]> {
  const orphans: DataFile[] = [];
  for (const file of await directory.list()) {
    const image = await images.findById(file.imageId);
    if (image?.status === 'saving') continue;
    const used = !file.partial && image?.locations.some((location) => location.url === file.url) === true;
    if (!used) orphans.push(file);
  }
  return orphans;
}

/**
 * Repairs what a process that died mid-upload left behind: images stuck in
 * `saving` go back to `queued`, and temporary upload files are removed.
 * It runs before the server listens, so no upload of this process is running.
 *
 * NOTE: another server sharing the database or data directory could be
 * running uploads, and this would reset them.
 */
export async function recoverInterruptedUploads(
  images: ImageRepository,
  clock: Clock,
  directory: DataDirectory,
  logger: Logger,
): Promise<void> {
  const requeued = await new UploadRecovery({ images, clock }).requeueInterruptedUploads();
  for (const image of requeued) {
    logger.warn({ image_id: image.id }, 'interrupted upload: image returned from saving to queued');
  }
  for (const file of await directory.listPartial()) {
    await directory.remove(file);
    logger.warn({ image_id: file.imageId, path: file.path }, 'interrupted upload: partial file removed');
  }
}
