import { createDataSource } from '@iris/adapters-store';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { startTestServer, TestServer } from '../http/helpers';

/**
 * Database kinds that the durability suites run on: SQLite always, and
 * MariaDB when IRIS_TEST_MYSQL_URL names a server. Under CI=true a missing
 * URL fails instead of skipping the MariaDB runs.
 */
export function durabilityDatabaseKinds(): string[] {
  if (process.env.IRIS_TEST_MYSQL_URL) return ['sqlite', 'mariadb'];
  if (process.env.CI === 'true') {
    throw new Error('IRIS_TEST_MYSQL_URL is not set: CI must run the durability tests on MariaDB too');
  }
  return ['sqlite'];
}

/**
 * Creates an empty database of its own on a MariaDB server, applies the
 * migrations (what `manage db sync` does) and returns its URL.
 */
export async function createMariaDbDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(serverUrl);
  const database = `iris_durability_${randomBytes(4).toString('hex')}`;
  const admin = createDataSource(serverUrl);
  await admin.initialize();
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  url.pathname = `/${database}`;
  const migrator = createDataSource(url.toString());
  await migrator.initialize();
  await migrator.runMigrations({ transaction: 'each' });
  await migrator.destroy();
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE \`${database}\``);
      await admin.destroy();
    },
  };
}

/** Starts an in-process server on SQLite, or on a fresh MariaDB database. */
export async function startServerOn(kind: string): Promise<TestServer> {
  if (kind === 'sqlite') return startTestServer();
  const database = await createMariaDbDatabase(String(process.env.IRIS_TEST_MYSQL_URL));
  const server = await startTestServer({ IRIS_DATABASE_URL: database.url });
  return {
    ...server,
    close: async () => {
      await server.close();
      await database.drop();
    },
  };
}

export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Returns the MD5 of the image's data file, or null when there is none. */
export async function storedMd5(imagesDir: string, imageId: string): Promise<string | null> {
  const file = path.join(imagesDir, imageId);
  if (!existsSync(file)) return null;
  return md5(await readFile(file));
}

/** Names of temporary upload files in the data store folder. */
export async function partialFiles(imagesDir: string): Promise<string[]> {
  const names = await readdir(imagesDir).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith('.partial-'));
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** The built server (packages/app/dist/main.js) as a child process, listening or not. */
export interface SpawnedServer {
  process: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  output(): string;
  /** Everything the process wrote to stderr so far. */
  errorOutput(): string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** The built server running as a child process. */
export interface ChildServer extends SpawnedServer {
  url: string;
}

const MAIN = path.resolve(__dirname, '../../dist/main.js');

/** Starts the built server with the environment given, without waiting for it to listen. */
export async function spawnBuiltServer(env: Record<string, string>): Promise<SpawnedServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const port = env.IRIS_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, IRIS_HOST: '127.0.0.1', IRIS_PORT: port, IRIS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => stdout, errorOutput: () => stderr, exited };
}

/**
 * Starts the built server with the environment given and waits until it
 * listens. The URL comes from its `server listening` log line, so
 * IRIS_PORT=0 works too.
 */
export async function startBuiltServer(env: Record<string, string>): Promise<ChildServer> {
  const server = await spawnBuiltServer(env);
  const everything = (): string => `${server.errorOutput()}${server.output()}`;
  const deadline = Date.now() + 20_000;
  let url = listeningUrl(server.output());
  while (url === null) {
    const finished = await Promise.race([server.exited.then(() => true), sleep(50).then(() => false)]);
    if (finished) throw new Error(`server exited before listening: ${everything()}`);
    if (Date.now() > deadline) {
      server.process.kill('SIGKILL');
      throw new Error(`server did not listen within 20 s: ${everything()}`);
    }
    url = listeningUrl(server.output());
  }
  return { ...server, url };
}

/** Returns the URL of the first complete `server listening` log line, or null before there is one. */
function listeningUrl(stdout: string): string | null {
  const line = logRecords(stdout).find((record) => record.msg === 'server listening');
  return line === undefined ? null : String(line.url);
}

/** Parses the complete JSON log lines of a server's output and leaves out other lines. */
export function logRecords(output: string): Record<string, unknown>[] {
  const complete = output.slice(0, output.lastIndexOf('\n') + 1);
  const records: Record<string, unknown>[] = [];
  for (const line of complete.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Lines over PIPE_BUF (4 KiB) that two processes write at once can interleave and then fail to parse.
    }
  }
  return records;
}

/** Returns the pids of the live (not zombie) child processes of `pid`, read from /proc. */
export async function childPids(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readProcessStat(Number(name));
    if (stat !== null && stat.parentPid === pid && stat.state !== 'Z') children.push(Number(name));
  }
  return children.sort((a, b) => a - b);
}

/** Tells whether a process exists and is not a zombie. */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readProcessStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** Reads the state and parent pid from /proc/<pid>/stat, or null when the process is gone. */
async function readProcessStat(pid: number): Promise<{ state: string; parentPid: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  // The command name in brackets may contain spaces, so the fields start after its last ')'.
  const [state, parentPid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state, parentPid: Number(parentPid) };
}

/** Polls `check` every 50 ms until it returns true, and fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A request whose body the test writes piece by piece. */
export interface StreamingRequest {
  /** Writes a chunk and waits until the socket accepts more. */
  write(chunk: Buffer): Promise<void>;
  end(): void;
  /** The response status and body; rejects when the connection breaks first. */
  response: Promise<{ status: number; text: string }>;
  /** Resolves once the request is on the wire. */
  connected: Promise<void>;
}

/** Starts `PUT /v2/images/{id}/file` with a chunked body. */
export function startStreamingUpload(baseUrl: string, imageId: string): StreamingRequest {
  const req = httpRequest(new URL(`/v2/images/${imageId}/file`, baseUrl), {
    method: 'PUT',
    agent: false,
    headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
  });
  const connected = new Promise<void>((resolve) => req.once('socket', (socket) => socket.once('connect', resolve)));
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
  });
  // A failed request settles `response`; this keeps it from counting as unhandled first.
  response.catch(() => undefined);
  req.flushHeaders();
  return {
    write: (chunk) =>
      new Promise((resolve) => {
        if (req.write(chunk)) {
          resolve();
          return;
        }
        // Both listeners go once either fires, so long uploads do not pile them up.
        const done = (): void => {
          req.off('drain', done);
          req.off('close', done);
          resolve();
        };
        req.once('drain', done);
        req.once('close', done);
      }),
    end: () => req.end(),
    response,
    connected,
  };
}
