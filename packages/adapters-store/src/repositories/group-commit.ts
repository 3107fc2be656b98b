import { DataSource, EntityManager } from 'typeorm';
import { WriteLock } from './write-lock';

interface PendingWrite {
  work: (manager: EntityManager) => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Largest number of writes in one transaction. */
const MAX_GROUP_SIZE = 100;

/**
 * Commits writes that arrive in the same turn of the event loop together:
 * one transaction, with a savepoint around each write so that a failed one
 * (a duplicate id, say) is rolled back alone. Each caller's promise settles
 * after the commit that contains its write.
 *
 * On SQLite most of a small write's cost is its commit, which appends every
 * changed page to the write-ahead log, so concurrent creates gain from
 * sharing it. Without the lock (MySQL) every write gets its own transaction.
 */
export class GroupCommit {
  private queue: PendingWrite[] = [];
  private scheduled = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lock: WriteLock,
  ) {}

  run(work: (manager: EntityManager) => Promise<void>): Promise<void> {
    if (!this.lock.enabled) return this.dataSource.transaction(work);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the poll phase, so that every request read in this turn has queued its write.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP_SIZE);
      void this.lock.run(() => this.commit(group));
    }
  }

  private async commit(group: PendingWrite[]): Promise<void> {
    const written: PendingWrite[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        if (group.length === 1) {
          await group[0].work(manager);
          written.push(group[0]);
          return;
        }
        for (const write of group) {
          await manager.query('SAVEPOINT group_write');
          try {
            await write.work(manager);
          } catch (error) {
            await manager.query('ROLLBACK TO SAVEPOINT group_write');
            await manager.query('RELEASE SAVEPOINT group_write');
            write.reject(error);
            continue;
          }
          await manager.query('RELEASE SAVEPOINT group_write');
          written.push(write);
        }
      });
    } catch (error) {
      // The transaction failed as a whole: nothing of the group was stored.
      for (const write of group) write.reject(error);
      return;
    }
    for (const write of written) write.resolve();
  }
}
