import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig, startServer } from '../../src';

/** A real Iris server on 127.0.0.1 with its own SQLite file and data folder. */
export interface V1TestServer {
  url: string;
  imagesDir: string;
  close(): Promise<void>;
}

/** Starts the app in this process on a free port; `env` adds or overrides IRIS_* settings. */
export async function startV1Server(
  env: Record<string, string> = {},
): Promise<V1TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iris-v1-'));
  const config = loadConfig({
    IRIS_PORT: '0',
    IRIS_DATA_DIR: dataDir,
    IRIS_LOG_LEVEL: 'silent',
    IRIS_SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
  const running = await startServer(config, createLogger('silent'));
  return {
    url: running.url,
    imagesDir: path.join(dataDir, 'images'),
    close: async () => {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Files in the data store folder, temporary ones included. */
export async function storedFiles(server: V1TestServer): Promise<string[]> {
  return readdir(server.imagesDir);
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The parsed body when the response is JSON. */
  json: any;
}

export interface SendOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sends the body in chunks without a Content-Length. */
  chunked?: boolean;
}

/** Sends one request over a new connection, with only the headers given. */
export function send(
  baseUrl: string,
  method: string,
  target: string,
  options: SendOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const { body } = options;
  if (body !== undefined && !options.chunked) {
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }

  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(target, baseUrl),
      { method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const data = Buffer.concat(chunks);
          const text = data.toString('utf8');
          const isJson = (res.headers['content-type'] ?? '').startsWith(
            'application/json',
          );
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            text,
            json: isJson && text !== '' ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined && options.chunked) {
      const bytes = Buffer.from(body);
      const middle = Math.floor(bytes.length / 2);
      req.write(bytes.subarray(0, middle));
      req.end(bytes.subarray(middle));
      return;
    }
    req.end(body);
  });
}

export const ADMIN: Record<string, string> = {};

/** Identity headers of a member of a project, for the noauth strategy. */
export function member(projectId: string): Record<string, string> {
  return {
    'X-Project-Id': projectId,
    'X-User-Id': `user-of-${projectId}`,
    'X-Roles': 'member',
  };
}

export function reader(projectId: string): Record<string, string> {
  return {
    'X-Project-Id': projectId,
    'X-User-Id': `reader-of-${projectId}`,
    'X-Roles': 'reader',
  };
}

export const RAW_BARE = {
  'x-image-meta-disk_format': 'raw',
  'x-image-meta-container_format': 'bare',
};
export const OCTET_STREAM = { 'Content-Type': 'application/octet-stream' };

export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export function randomData(size: number): Buffer {
  return randomBytes(size);
}

/** A client of one server that sends every request as one identity. */
export class V1Client {
  constructor(
    readonly baseUrl: string,
    readonly identity: Record<string, string> = ADMIN,
  ) {}

  as(identity: Record<string, string>): V1Client {
    return new V1Client(this.baseUrl, identity);
  }

  request(
    method: string,
    target: string,
    options: SendOptions = {},
  ): Promise<Reply> {
    return send(this.baseUrl, method, target, {
      ...options,
      headers: { ...this.identity, ...options.headers },
    });
  }

  get(target: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('GET', target, { headers });
  }

  head(target: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('HEAD', target, { headers });
  }

  delete(target: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('DELETE', target, { headers });
  }

  /** POST /v1/images with metadata headers and an optional data body. */
  create(
    headers: Record<string, string>,
    data?: Buffer,
    options: { chunked?: boolean } = {},
  ): Promise<Reply> {
    const all = data === undefined ? headers : { ...OCTET_STREAM, ...headers };
    return this.request('POST', '/v1/images', {
      headers: all,
      body: data,
      chunked: options.chunked,
    });
  }

  update(
    id: string,
    headers: Record<string, string>,
    data?: Buffer,
  ): Promise<Reply> {
    const all = data === undefined ? headers : { ...OCTET_STREAM, ...headers };
    return this.request('PUT', `/v1/images/${id}`, {
      headers: all,
      body: data,
    });
  }

  /** Creates an image and returns its v1 record; fails the test unless the response is 201. */
  async createImage(
    headers: Record<string, string> = {},
    data?: Buffer,
  ): Promise<any> {
    const res = await this.create(headers, data);
    if (res.status !== 201) {
      throw new Error(`POST /v1/images returned ${res.status}: ${res.text}`);
    }
    return res.json.image;
  }

  putJson(target: string, json: unknown): Promise<Reply> {
    return this.request('PUT', target, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(json),
    });
  }
}
