import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig, startServer } from '../../src';

/** A real Iris server on 127.0.0.1, with its own SQLite file and data folder. */
export interface TestServer {
  url: string;
  dataDir: string;
  /** Folder where the filesystem store keeps image data. */
  imagesDir: string;
  /** Stops the server and deletes the data folder. */
  close(): Promise<void>;
}

/**
 * Starts the app in this process on a free port, with a fresh temporary data
 * folder. `env` adds or overrides IRIS_* settings.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iris-http-'));
  const config = loadConfig({
    IRIS_PORT: '0',
    IRIS_DATA_DIR: dataDir,
    IRIS_LOG_LEVEL: 'silent',
    IRIS_SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
  let running;
  try {
    running = await startServer(config, createLogger('silent'));
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const server = running;
  return {
    url: server.url,
    dataDir,
    imagesDir: path.join(dataDir, 'images'),
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Names in the data store folder that belong to one image (its file or a temporary one). */
export async function storedFilesOf(server: TestServer, imageId: string): Promise<string[]> {
  const names = await readdir(server.imagesDir);
  return names.filter((name) => name.includes(imageId));
}

export interface HttpResponse {
  status: number;
  /** Reason phrase of the status line. */
  statusText: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The parsed body when the response is JSON, else undefined. */
  json: any;
}

type HeaderMap = Record<string, string>;

export interface RequestOptions {
  headers?: HeaderMap;
  /** Sent as JSON, with Content-Type application/json unless headers name one. */
  json?: unknown;
  body?: string | Buffer;
  /** Sends the body with chunked transfer encoding instead of a Content-Length. */
  chunked?: boolean;
}

/** Identity headers of the noauth strategy. An empty set acts as admin without a project. */
export type Identity = Record<string, string>;

export const ADMIN: Identity = {};

export function projectMember(projectId: string): Identity {
  return { 'X-Project-Id': projectId, 'X-User-Id': `user-of-${projectId}`, 'X-Roles': 'member' };
}

export function projectReader(projectId: string): Identity {
  return { 'X-Project-Id': projectId, 'X-User-Id': `reader-of-${projectId}`, 'X-Roles': 'reader' };
}

/**
 * Sends one request over a new connection, with no headers beyond the ones
 * given (so no Accept unless the test sets it).
 */
export function send(
  baseUrl: string,
  method: string,
  target: string,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  const headers: HeaderMap = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
  }
  if (options.chunked === true) {
    headers['Transfer-Encoding'] = 'chunked';
  } else if (body !== undefined) {
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }

  return new Promise((resolve, reject) => {
    const url = new URL(target, baseUrl);
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve(toResponse(res.statusCode ?? 0, res.statusMessage ?? '', res.headers, chunks));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function toResponse(
  status: number,
  statusText: string,
  headers: IncomingHttpHeaders,
  chunks: Buffer[],
): HttpResponse {
  const body = Buffer.concat(chunks);
  const text = body.toString('utf8');
  const isJson = (headers['content-type'] ?? '').startsWith('application/json');
  const json = isJson && text !== '' ? JSON.parse(text) : undefined;
  return { status, statusText, headers, body, text, json };
}

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

/** A client of one server that sends every request with one identity. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly identity: Identity = ADMIN,
  ) {}

  as(identity: Identity): ApiClient {
    return new ApiClient(this.baseUrl, identity);
  }

  request(method: string, target: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return send(this.baseUrl, method, target, {
      ...options,
      headers: { ...this.identity, ...options.headers },
    });
  }

  get(target: string, headers: HeaderMap = {}): Promise<HttpResponse> {
    return this.request('GET', target, { headers });
  }

  post(target: string, json?: unknown, headers: HeaderMap = {}): Promise<HttpResponse> {
    return this.request('POST', target, { json, headers });
  }

  put(target: string, json?: unknown, headers: HeaderMap = {}): Promise<HttpResponse> {
    return this.request('PUT', target, { json, headers });
  }

  delete(target: string, headers: HeaderMap = {}): Promise<HttpResponse> {
    return this.request('DELETE', target, { headers });
  }

  patch(id: string, operations: unknown, mediaType = PATCH_V21): Promise<HttpResponse> {
    return this.request('PATCH', `/v2/images/${id}`, {
      json: operations,
      headers: { 'Content-Type': mediaType },
    });
  }

  /** Creates an image and returns its representation, or throws unless the status is 201. */
  async createImage(fields: Record<string, unknown> = {}): Promise<any> {
    const res = await this.post('/v2/images', fields);
    if (res.status !== 201) throw new Error(`POST /v2/images returned ${res.status}: ${res.text}`);
    return res.json;
  }

  upload(id: string, data: Buffer, type = 'application/octet-stream'): Promise<HttpResponse> {
    return this.request('PUT', `/v2/images/${id}/file`, {
      body: data,
      headers: { 'Content-Type': type },
    });
  }

  /** Creates a raw/bare image, uploads the data and returns the image id. */
  async createActiveImage(data: Buffer, fields: Record<string, unknown> = {}): Promise<string> {
    const formats = { disk_format: 'raw', container_format: 'bare' };
    const image = await this.createImage({ ...formats, ...fields });
    const res = await this.upload(image.id, data);
    if (res.status !== 204) throw new Error(`upload returned ${res.status}: ${res.text}`);
    return image.id;
  }

  async statusOf(id: string): Promise<string> {
    const res = await this.get(`/v2/images/${id}`);
    return res.json.status;
  }
}
