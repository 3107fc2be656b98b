import { Image, withStatus } from '../model/image';
import { Clock } from '../ports/clock.port';
import { ImageRepository, unchangedSince } from '../ports/image-repository.port';

export interface UploadRecoveryDeps {
  images: ImageRepository;
  clock: Clock;
}

/**
 * Start-up repair of uploads that a stopped process left behind. An image
 * stays `saving` when the process died while its data arrived, and no
 * request will ever finish that upload.
 */
export class UploadRecovery {
  constructor(private readonly deps: UploadRecoveryDeps) {}

  /**
   * Moves every `saving` image back to `queued`, through the status machine
   * and with a conditional update, and returns the images it moved. An image
   * that changed in the meantime is left as it is.
   *
   * NOTE: this assumes no other live process is receiving an upload. Several
   * servers sharing one database would reset each other's uploads at start-up.
   */
  async requeueInterruptedUploads(): Promise<Image[]> {
    const saving = await this.deps.images.listByStatus('saving');
    const requeued: Image[] = [];
    for (const image of saving) {
      const queued = { ...withStatus(image, 'queued'), updatedAt: this.deps.clock.now() };
      if (await this.deps.images.update(queued, unchangedSince(image))) requeued.push(queued);
    }
    return requeued;
  }
}
