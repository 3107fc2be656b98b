import { Image } from '../model/image';
import { ImageListQuery } from '../model/image-list-query';
import { ImageStatus } from '../model/image-status';

/** Whose listing is being built: visibility is applied in the query itself. */
export interface ListViewer {
  isAdmin: boolean;
  projectId: string | null;
}

/** Condition on the stored row for a conditional update. */
export interface UpdateCondition {
  status: ImageStatus;
  revision?: number;
  updatedAt?: Date;
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
   * Writes every field of the image, tags and properties included, and
   * increments its revision, but only while the stored row still has
   * `expected.status` and, when given, `expected.revision` and
   * `expected.updatedAt`. Returns false, and writes nothing, when another
   * writer got there first or the image is gone. Use the revision to detect
   * any write since a read, because updated_at may be stored to the second.
   */
  update(image: Image, expected: UpdateCondition): Promise<boolean>;

  /** Returns every image in the status, of every owner, oldest first. */
  listByStatus(status: ImageStatus): Promise<Image[]>;

  /** Soft-deletes the image if it still has the expected status; returns whether it did. */
  markDeleted(id: string, expectedStatus: ImageStatus, deletedAt: Date): Promise<boolean>;
}

/**
 * Builds the condition that the stored image is still the one read: its
 * revision, or its updated_at when it carries no revision.
 */
export function unchangedSince(image: Image): UpdateCondition {
  if (image.revision !== undefined) return { status: image.status, revision: image.revision };
  return { status: image.status, updatedAt: image.updatedAt };
}

/** Returns the image as stored after an update with `unchangedSince(before)` succeeded. */
export function afterUpdate(before: Image, after: Image): Image {
  return before.revision === undefined ? after : { ...after, revision: before.revision + 1 };
}

export const ImageRepository = Symbol('ImageRepository');
