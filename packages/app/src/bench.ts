/**
 * Upload and download benchmark of the built server (`npm run bench`).
 *
 * It starts packages/app/dist/main.js as a child process on a free loopback
 * port with a temporary data directory. It uploads BENCH_UPLOAD_MB MiB of
 * pseudo-random bytes over node:http and checks the status and the stored
 * checksum and os_hash_value. Then it downloads the data back and checks its
 * SHA-512. Meanwhile it samples the server's VmRSS every 100 ms. At the end
 * it stops the server and removes the data directory.
 *
 * Environment: BENCH_UPLOAD_MB (MiB per upload, 1024), BENCH_RUNS (uploads
 * and downloads, each of a new image, 1), BENCH_TIMEOUT_S (limit on the
 * whole run in seconds, 900). MB/s figures use MB = 10^6 bytes.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HOST = '127.0.0.1';
const MIB = 1024 * 1024;
/** Bytes of random data that the generated stream repeats. A multiple of CHUNK_BYTES. */
const POOL_BYTES = 32 * MIB;
const CHUNK_BYTES = MIB;
const RSS_SAMPLE_MS = 100;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

interface BenchSettings {
  uploadBytes: number;
  runs: number;
  timeoutMs: number;
}

interface StepResult {
  MBps: number;
  serverCpuSeconds: number;
  otherCores: number;
  maxRssKiB: number;
}

interface RunResult {
  upload: StepResult;
  download: StepResult;
  rssAfterUploadKiB: number;
  checksOk: boolean;
}

function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`Invalid ${name} '${raw}': expected a positive integer`);
    }
    return value;
  };
  return {
    uploadBytes: number('BENCH_UPLOAD_MB', 1024) * MIB,
    runs: number('BENCH_RUNS', 1),
    timeoutMs: number('BENCH_TIMEOUT_S', 900) * 1000,
  };
}

/**
 * A pseudo-random byte stream that repeats a random pool. The chunks are
 * views of the pool, so generating them costs the client no CPU time that
 * the server could use on this machine.
 */
class GeneratedData {
  private readonly pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));

  constructor(readonly size: number) {}

  *chunks(): Generator<Buffer> {
    for (let offset = 0; offset < this.size; offset += CHUNK_BYTES) {
      const start = offset % POOL_BYTES;
      yield this.pool.subarray(start, start + Math.min(CHUNK_BYTES, this.size - offset));
    }
  }

  digests(): { md5: string; sha512: string } {
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    for (const chunk of this.chunks()) {
      md5.update(chunk);
      sha512.update(chunk);
    }
    return { md5: md5.digest('hex'), sha512: sha512.digest('hex') };
  }
}

/** Fields after the command name in /proc/PID/stat, from field 3 (state) on. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Returns the server process and its children, which are the cluster
 * workers when IRIS_WORKERS is above 1.
 */
function serverProcesses(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === pid) children.push(Number(entry));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return [pid, ...children];
}

/** Sum of VmRSS over the server's processes, sampled every RSS_SAMPLE_MS, with the maximum since the last `start`. */
class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private max = 0;
  private readonly pids: number[];

  constructor(pid: number) {
    this.pids = serverProcesses(pid);
  }

  current(): number {
    let total = 0;
    for (const pid of this.pids) {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (match === null) throw new Error(`VmRSS missing in /proc/${pid}/status`);
      total += Number(match[1]);
    }
    return total;
  }

  start(): void {
    this.max = this.current();
    this.timer = setInterval(() => {
      this.max = Math.max(this.max, this.current());
    }, RSS_SAMPLE_MS);
  }

  /** Stops sampling and returns the maximum VmRSS in KiB since `start`. */
  stop(): number {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    return Math.max(this.max, this.current());
  }
}

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User plus system CPU time of processes, in seconds. */
function processCpuSeconds(...pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Busy CPU time of the whole machine (all CPUs), in seconds. */
function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * CPU time of the server and of the other processes (neither the server nor
 * this bench) over a measured step. Other processes slow the server on a
 * shared machine, so results with a high `otherCores` figure mean little.
 */
class CpuMeter {
  private server = 0;
  private machine = 0;
  private bench = 0;
  private readonly pids: number[];

  constructor(pid: number) {
    this.pids = serverProcesses(pid);
  }

  start(): void {
    this.server = processCpuSeconds(...this.pids);
    this.machine = machineCpuSeconds();
    this.bench = processCpuSeconds(process.pid);
  }

  stop(seconds: number): { serverSeconds: number; otherCores: number } {
    const serverSeconds = processCpuSeconds(...this.pids) - this.server;
    const benchSeconds = processCpuSeconds(process.pid) - this.bench;
    const machineSeconds = machineCpuSeconds() - this.machine;
    return { serverSeconds, otherCores: Math.max(0, machineSeconds - serverSeconds - benchSeconds) / seconds };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

interface Response {
  status: number;
  body: Buffer;
}

function request(
  port: number,
  method: string,
  urlPath: string,
  options: { headers?: http.OutgoingHttpHeaders; body?: Buffer } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method, path: urlPath, headers: options.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function waitForServer(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited during startup with code ${child.exitCode}`);
    try {
      const response = await request(port, 'GET', '/versions');
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not respond on ${HOST}:${port} within ${STARTUP_TIMEOUT_MS} ms`);
}

async function createImage(port: number, name: string): Promise<string> {
  const body = Buffer.from(JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }));
  const response = await request(port, 'POST', '/v2/images', {
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  if (response.status !== 201) {
    throw new Error(`image create failed with status ${response.status}: ${response.body.toString()}`);
  }
  return (JSON.parse(response.body.toString()) as { id: string }).id;
}

/** Streams the generated data as the image's data and returns the response status and seconds taken. */
async function upload(port: number, id: string, data: GeneratedData): Promise<{ status: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const req = http.request({
    host: HOST,
    port,
    method: 'PUT',
    path: `/v2/images/${id}/file`,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.size) },
  });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  for (const chunk of data.chunks()) {
    if (!req.write(chunk)) await Promise.race([once(req, 'drain'), response]);
  }
  req.end();
  const res = await response;
  res.resume();
  await once(res, 'end');
  return { status: res.statusCode ?? 0, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Downloads the image's data, hashing it with SHA-512 when `hash` is set. */
async function download(
  port: number,
  id: string,
  hash: boolean,
): Promise<{ status: number; bytes: number; seconds: number; sha512: string | null }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method: 'GET', path: `/v2/images/${id}/file` }, (res) => {
      const sha512 = hash ? createHash('sha512') : null;
      let bytes = 0;
      res.on('data', (part: Buffer) => {
        bytes += part.length;
        sha512?.update(part);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          sha512: sha512?.digest('hex') ?? null,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function check(ok: boolean, message: string): boolean {
  if (!ok) process.stderr.write(`bench: check failed: ${message}\n`);
  return ok;
}

function megabytesPerSecond(bytes: number, seconds: number): number {
  return bytes / seconds / 1e6;
}

async function runOnce(
  port: number,
  pid: number,
  data: GeneratedData,
  expected: { md5: string; sha512: string },
  run: number,
): Promise<RunResult> {
  const rss = new RssSampler(pid);
  const cpu = new CpuMeter(pid);
  const id = await createImage(port, `bench-${run}`);

  cpu.start();
  rss.start();
  const uploaded = await upload(port, id, data);
  const uploadRssKiB = rss.stop();
  const uploadCpu = cpu.stop(uploaded.seconds);
  const rssAfterUploadKiB = rss.current();

  let checksOk = check(uploaded.status === 204, `upload status ${uploaded.status}, expected 204`);
  const imageResponse = await request(port, 'GET', `/v2/images/${id}`);
  const image = JSON.parse(imageResponse.body.toString()) as {
    status: string;
    size: number;
    checksum: string;
    os_hash_algo: string;
    os_hash_value: string;
  };
  checksOk = check(image.status === 'active', `image status ${image.status}, expected active`) && checksOk;
  checksOk = check(image.size === data.size, `image size ${image.size}, expected ${data.size}`) && checksOk;
  checksOk = check(image.checksum === expected.md5, `checksum ${image.checksum}, expected ${expected.md5}`) && checksOk;
  checksOk =
    check(image.os_hash_algo === 'sha512', `os_hash_algo ${image.os_hash_algo}, expected sha512`) &&
    check(image.os_hash_value === expected.sha512, 'os_hash_value differs from the SHA-512 of the sent data') &&
    checksOk;

  cpu.start();
  rss.start();
  const downloaded = await download(port, id, false);
  const downloadRssKiB = rss.stop();
  const downloadCpu = cpu.stop(downloaded.seconds);
  checksOk = check(downloaded.status === 200, `download status ${downloaded.status}, expected 200`) && checksOk;
  checksOk = check(downloaded.bytes === data.size, `downloaded ${downloaded.bytes} bytes, expected ${data.size}`) && checksOk;

  const verified = await download(port, id, true);
  checksOk = check(verified.sha512 === expected.sha512, 'SHA-512 of the downloaded data differs from the sent data') && checksOk;

  const deleted = await request(port, 'DELETE', `/v2/images/${id}`);
  checksOk = check(deleted.status === 204, `image delete status ${deleted.status}, expected 204`) && checksOk;

  return {
    upload: {
      MBps: megabytesPerSecond(data.size, uploaded.seconds),
      serverCpuSeconds: uploadCpu.serverSeconds,
      otherCores: uploadCpu.otherCores,
      maxRssKiB: uploadRssKiB,
    },
    download: {
      MBps: megabytesPerSecond(downloaded.bytes, downloaded.seconds),
      serverCpuSeconds: downloadCpu.serverSeconds,
      otherCores: downloadCpu.otherCores,
      maxRssKiB: downloadRssKiB,
    },
    rssAfterUploadKiB,
    checksOk,
  };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write(`bench: server did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM; sending SIGKILL\n`);
    child.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: timed out after ${settings.timeoutMs / 1000} s (BENCH_TIMEOUT_S)\n`);
    process.exit(2);
  }, settings.timeoutMs);
  deadline.unref();

  const data = new GeneratedData(settings.uploadBytes);
  process.stdout.write(`# hashing the ${settings.uploadBytes / MIB} MiB test stream\n`);
  const expected = data.digests();

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'iris-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, 'main.js')], {
    env: {
      ...process.env,
      IRIS_HOST: HOST,
      IRIS_PORT: String(port),
      IRIS_DATA_DIR: dataDir,
      IRIS_AUTH: 'noauth',
      IRIS_LOG_LEVEL: 'warn',
      IRIS_HASH_ALGO: 'sha512',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let allOk = true;
  try {
    await waitForServer(port, child);
    const pid = child.pid as number;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleRssKiB = new RssSampler(pid).current();
    process.stdout.write(
      `# ${new Date().toISOString()}  ${os.cpus().length} CPUs  node ${process.version}  server pids ${serverProcesses(pid).join(',')}  ` +
        `upload ${settings.uploadBytes / MIB} MiB  runs ${settings.runs}\n`,
    );
    process.stdout.write(`rss_idle_MiB ${mib(idleRssKiB)}\n`);

    for (let run = 1; run <= settings.runs; run += 1) {
      const result = await runOnce(port, pid, data, expected, run);
      allOk = allOk && result.checksOk;
      const { upload: up, download: down } = result;
      const lines = [
        `run ${run}`,
        `upload_MBps ${up.MBps.toFixed(1)}`,
        `upload_server_cpu_s ${up.serverCpuSeconds.toFixed(2)}`,
        `upload_other_cores ${up.otherCores.toFixed(2)}`,
        `rss_max_during_upload_MiB ${mib(up.maxRssKiB)}`,
        `rss_max_over_idle_MiB ${mib(up.maxRssKiB - idleRssKiB)}`,
        `rss_after_upload_MiB ${mib(result.rssAfterUploadKiB)}`,
        `download_MBps ${down.MBps.toFixed(1)}`,
        `download_server_cpu_s ${down.serverCpuSeconds.toFixed(2)}`,
        `download_other_cores ${down.otherCores.toFixed(2)}`,
        `rss_max_during_download_MiB ${mib(down.maxRssKiB)}`,
        `checks ${result.checksOk ? 'ok' : 'FAILED'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await stopServer(child);
    await rm(dataDir, { recursive: true, force: true });
  }
  return allOk ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
