import { InvalidStatusTransition } from '../errors';

export const IMAGE_STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'uploading',
  'importing',
  'pending_delete',
  'deactivated',
] as const;

export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** Allowed targets from each status, as Glance's domain enforces them. */
export const IMAGE_TRANSITIONS: Record<ImageStatus, readonly ImageStatus[]> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deactivated: ['active', 'deleted'],
  deleted: [],
};

export function isImageStatus(value: string): value is ImageStatus {
  return (IMAGE_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: ImageStatus, to: ImageStatus): boolean {
  return IMAGE_TRANSITIONS[from].includes(to);
}

/**
 * Checks a status change against the transition table and returns the new
 * status, or throws InvalidStatusTransition. Every status change goes
 * through this function.
 */
export function transition(from: ImageStatus, to: ImageStatus): ImageStatus {
  if (!canTransition(from, to)) {
    throw new InvalidStatusTransition(from, to);
  }
  return to;
}
