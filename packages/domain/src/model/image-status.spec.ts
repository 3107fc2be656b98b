import { Conflict, InvalidStatusTransition } from '../errors';
import { canTransition, IMAGE_STATUSES, ImageStatus, isImageStatus, transition } from './image-status';

/**
 * Glance's allowed status transitions, written out here instead of read from
 * IMAGE_TRANSITIONS so that a wrong entry there fails a test.
 */
const GLANCE_TRANSITIONS: Record<ImageStatus, ImageStatus[]> = {
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

const STATUSES = Object.keys(GLANCE_TRANSITIONS) as ImageStatus[];
const PAIRS = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const));
const ALLOWED = PAIRS.filter(([from, to]) => GLANCE_TRANSITIONS[from].includes(to));
const REJECTED = PAIRS.filter(([from, to]) => !GLANCE_TRANSITIONS[from].includes(to));

describe('image status machine', () => {
  it('knows the nine Glance statuses', () => {
    expect([...IMAGE_STATUSES].sort()).toEqual([...STATUSES].sort());
  });

  it('table covers all 81 pairs', () => {
    expect(PAIRS).toHaveLength(81);
    expect(ALLOWED).toHaveLength(23);
    expect(ALLOWED.length + REJECTED.length).toBe(81);
  });

  it.each(ALLOWED)('transition %s to %s allowed', (from, to) => {
    expect(transition(from, to)).toBe(to);
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(REJECTED)('transition %s to %s rejected', (from, to) => {
    expect(() => transition(from, to)).toThrow(InvalidStatusTransition);
    expect(canTransition(from, to)).toBe(false);
  });

  it('rejection names both statuses', () => {
    let caught: unknown;
    try {
      transition('deleted', 'active');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Conflict);
    expect((caught as InvalidStatusTransition).key).toBe('invalid_status_transition');
    expect((caught as InvalidStatusTransition).params).toEqual({ from: 'deleted', to: 'active' });
  });

  it.each([
    ['queued', true],
    ['pending_delete', true],
    ['Active', false],
    ['', false],
    ['uploaded', false],
  ])('isImageStatus(%j) is %s', (value, expected) => {
    expect(isImageStatus(value)).toBe(expected);
  });
});
