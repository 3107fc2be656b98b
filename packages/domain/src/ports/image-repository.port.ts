import { Image } from '../model/image';
import { ImageListQuery } from '../model/image-list-query';
import { ImageStatus } from '../model/image-status';

/** Whose listing is being built: visibility is applied in the query itself. */
export interface ListViewer {
  isAdmin: boolean;
  projectId: string | null;
}

/**
 * Persistence of images, their tags and custom properties. Deleted images
 * stay as rows so that their ids are never reused, but no read returns them.
 */
export interface ImageRepository {
  /** Stores a new image; throws Conflict when the id was ever used. */
  add(image: Image): Promise<void>;

  /** Returns the image unless it is missing or deleted. */
  findById(id: string): Promise<Image | null>;

  /**
   * Returns one page of the images that the viewer may list, in the query's
   * order; throws InvalidInput when the marker is not such an image.
   */
  list(query: ImageListQuery, viewer: ListViewer): Promise<Image[]>;

  /**
   * Writes every field of the image, tags and properties included, but only
   * while the stored row still has `expected.status` and, when given,
   * `expected.updatedAt`. Returns false, and writes nothing, when another
   * writer got there first or the image is gone.
   */
  update(image: Image, expected: { status: ImageStatus; updatedAt?: Date }): Promise<boolean>;

  /** Soft-deletes the image if it still has the expected status; returns whether it did. */
  markDeleted(id: string, expectedStatus: ImageStatus, deletedAt: Date): Promise<boolean>;
}

export const ImageRepository = Symbol('ImageRepository');
