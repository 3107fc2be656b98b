import { TokenIdentity } from '@iris/domain';
import { createHash } from 'node:crypto';

interface Entry {
  identity: TokenIdentity;
  /** Milliseconds since the epoch after which the entry is ignored. */
  expiresAtMs: number;
}

/**
 * Validated tokens, kept for a bounded time and in bounded number. Keys are
 * SHA-256 digests, so the tokens themselves are not kept in memory here.
 * When full, the least recently used entry is dropped.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** How long a token is trusted without asking Keystone again, in milliseconds (0 disables the cache). */
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(token: string, nowMs: number): TokenIdentity | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= nowMs) return undefined;
    this.entries.set(key, entry);
    return entry.identity;
  }

  /** Keeps the identity until the token expires or the time to live ends, whichever comes first. */
  set(token: string, identity: TokenIdentity, nowMs: number): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    const expiresAtMs = Math.min(identity.expiresAt.getTime(), nowMs + this.ttlMs);
    if (expiresAtMs <= nowMs) return;

    const key = digest(token);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { identity, expiresAtMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
