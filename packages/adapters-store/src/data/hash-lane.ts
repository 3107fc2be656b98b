import { Worker } from 'node:worker_threads';
import { sharedPageAlignedMemory } from './aligned-memory';
import { Digests, RegionDone, RingHasher } from './slot-pipeline';

/**
 * Code of a hash worker thread. It is evaluated from a string, so the same
 * code runs from the compiled dist/ folder and from the TypeScript sources
 * under ts-jest. Each worker computes one digest over regions of the shared
 * ring and acknowledges every region once it no longer reads it. Messages are
 * handled in order, so a `reset` reply means that no earlier `update` still
 * reads the ring.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = Buffer.from(workerData.ring);
let hash = null;
parentPort.on('message', (message) => {
  switch (message.type) {
    case 'begin':
      hash = createHash(message.algorithm);
      break;
    case 'update':
      if (hash !== null) hash.update(ring.subarray(message.offset, message.offset + message.length));
      parentPort.postMessage({ type: 'updated', seq: message.seq });
      break;
    case 'digest':
      parentPort.postMessage({ type: 'digest', hex: hash.digest('hex') });
      hash = null;
      break;
    case 'reset':
      hash = null;
      parentPort.postMessage({ type: 'reset' });
      break;
  }
});
`;

interface PendingUpdate {
  workersLeft: number;
  done: RegionDone;
}

interface Reply {
  resolve(value: string): void;
  reject(error: Error): void;
}

/**
 * A ring buffer in shared memory and two worker threads, one computing MD5
 * and one the multihash, so that the two digests and the upload's main thread
 * run on separate cores. One upload uses a lane at a time. The ring is
 * page-aligned, as O_DIRECT writes from it require.
 */
export class HashLane implements RingHasher {
  readonly ring: Buffer;
  private readonly workers: Worker[];
  private readonly replies: Reply[][] = [[], []];
  private readonly pending = new Map<number, PendingUpdate>();
  private nextSeq = 0;
  private failure: Error | null = null;
  private terminating = false;

  constructor(ringBytes: number) {
    const memory = sharedPageAlignedMemory(ringBytes);
    this.ring = Buffer.from(memory, 0, ringBytes);
    this.workers = [0, 1].map((index) => this.startWorker(index, memory));
  }

  /** The error that broke the lane, or null while it is usable. */
  get broken(): Error | null {
    return this.failure;
  }

  begin(md5Algorithm: string, multihashAlgorithm: string): void {
    this.workers[0].postMessage({ type: 'begin', algorithm: md5Algorithm });
    this.workers[1].postMessage({ type: 'begin', algorithm: multihashAlgorithm });
  }

  update(offset: number, length: number, done: RegionDone): void {
    if (this.failure !== null) {
      done(this.failure);
      return;
    }
    const seq = this.nextSeq++;
    this.pending.set(seq, { workersLeft: this.workers.length, done });
    for (const worker of this.workers) worker.postMessage({ type: 'update', seq, offset, length });
  }

  async digest(): Promise<Digests> {
    const [md5, multihash] = await Promise.all([0, 1].map((index) => this.request(index, 'digest')));
    return { md5, multihash };
  }

  /** Drops the current digests and resolves once no worker reads the ring any more. */
  async reset(): Promise<void> {
    await Promise.all([0, 1].map((index) => this.request(index, 'reset')));
  }

  /** Lets the process exit while the lane is idle, or keeps it alive during an upload. */
  setActive(active: boolean): void {
    for (const worker of this.workers) {
      if (active) worker.ref();
      else worker.unref();
    }
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    this.fail(new Error('hash worker terminated'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private startWorker(index: number, ring: SharedArrayBuffer): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring } });
    worker.on('message', (message: WorkerMessage) => this.receive(index, message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.terminating) this.fail(new Error(`hash worker exited unexpectedly with code ${code}`));
    });
    // Unref only now, because adding a 'message' listener refs the worker again.
    worker.unref();
    return worker;
  }

  private receive(index: number, message: WorkerMessage): void {
    if (message.type === 'updated') {
      const entry = this.pending.get(message.seq);
      if (entry === undefined) return;
      entry.workersLeft -= 1;
      if (entry.workersLeft === 0) {
        this.pending.delete(message.seq);
        entry.done();
      }
      return;
    }
    this.replies[index].shift()?.resolve(message.type === 'digest' ? message.hex : '');
  }

  private request(index: number, type: 'digest' | 'reset'): Promise<string> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.replies[index].push({ resolve, reject });
      this.workers[index].postMessage({ type });
    });
  }

  /** Marks the lane broken and fails every waiting caller. Only the first error is kept. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) entry.done(error);
    for (const queue of this.replies) {
      for (const reply of queue.splice(0)) reply.reject(error);
    }
  }
}

type WorkerMessage =
  | { type: 'updated'; seq: number }
  | { type: 'digest'; hex: string }
  | { type: 'reset' };

/**
 * A bounded set of hash lanes shared by the uploads of one store. The pool
 * keeps `minLanes` lanes for good once `start` or uploads have created them.
 * A lane beyond those is terminated after `idleTimeoutMs` without use. When
 * every lane is busy, `acquire` returns null and the caller hashes on its own
 * thread.
 */
export class HashLanePool {
  private readonly idle: HashLane[] = [];
  private readonly idleTimers = new Map<HashLane, NodeJS.Timeout>();
  private lanes = 0;
  private closed = false;

  constructor(
    private readonly minLanes: number,
    private readonly maxLanes: number,
    private readonly ringBytes: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Starts the `minLanes` lanes, so that the first uploads do not wait for worker threads. */
  start(): void {
    while (!this.closed && this.lanes < this.minLanes) {
      const lane = this.create();
      if (lane === null) return;
      this.keep(lane);
    }
  }

  acquire(): HashLane | null {
    if (this.closed) return null;
    let lane = this.idle.pop();
    while (lane !== undefined) {
      clearTimeout(this.idleTimers.get(lane));
      this.idleTimers.delete(lane);
      // A worker can fail while its lane is idle.
      if (lane.broken === null) break;
      this.discard(lane);
      lane = this.idle.pop();
    }
    lane ??= this.create() ?? undefined;
    if (lane === undefined) return null;
    lane.setActive(true);
    return lane;
  }

  /**
   * Returns a lane after an upload. A lane whose upload failed is reset first
   * so that no worker of the old upload reads the ring when the next one uses it.
   */
  release(lane: HashLane, needsReset: boolean): void {
    lane.setActive(false);
    if (!needsReset) {
      this.keep(lane);
      return;
    }
    lane.reset().then(
      () => this.keep(lane),
      () => this.discard(lane),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const lanes = this.idle.splice(0);
    this.lanes -= lanes.length;
    await Promise.all(lanes.map((lane) => lane.terminate()));
  }

  private create(): HashLane | null {
    if (this.lanes >= this.maxLanes) return null;
    this.lanes += 1;
    return new HashLane(this.ringBytes);
  }

  private keep(lane: HashLane): void {
    if (this.closed || lane.broken !== null) {
      this.discard(lane);
      return;
    }
    this.idle.push(lane);
    if (this.lanes > this.minLanes) this.scheduleIdleTimeout(lane);
  }

  private scheduleIdleTimeout(lane: HashLane): void {
    const timer = setTimeout(() => {
      this.idleTimers.delete(lane);
      const index = this.idle.indexOf(lane);
      // Another lane may have gone since this timer started.
      if (index < 0 || this.lanes <= this.minLanes) return;
      this.idle.splice(index, 1);
      this.discard(lane);
    }, this.idleTimeoutMs);
    timer.unref();
    this.idleTimers.set(lane, timer);
  }

  private discard(lane: HashLane): void {
    this.lanes -= 1;
    void lane.terminate();
  }
}
