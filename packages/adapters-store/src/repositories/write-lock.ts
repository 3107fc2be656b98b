/**
 * Runs write transactions one at a time. SQLite has a single writer and
 * TypeORM shares one connection for it, so interleaved transactions from
 * concurrent requests would nest; MySQL needs no such lock.
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly enabled: boolean) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
