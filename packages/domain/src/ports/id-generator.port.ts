export interface IdGenerator {
  /** Returns a new random UUID (version 4). */
  newId(): string;
}

export const IdGenerator = Symbol('IdGenerator');
