import { ByteSource, InvalidInput, QuotaExceeded, WebDownloader } from '@iris/domain';
import { lookup } from 'node:dns/promises';
import { IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/** Glance's [import_filtering_opts]; an allow list, when not empty, wins over its deny list. */
export interface ImportFilterSettings {
  allowedSchemes: string[];
  disallowedSchemes: string[];
  allowedHosts: string[];
  disallowedHosts: string[];
  allowedPorts: number[];
  disallowedPorts: number[];
}

export interface WebDownloadSettings extends ImportFilterSettings {
  /** Limit of a whole download, headers and body, in milliseconds. */
  timeoutMs: number;
  maxRedirects: number;
}

/** Loopback, private, link-local, shared, multicast and unspecified ranges. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return NON_PUBLIC.check(mapped[1], 'ipv4');
  return NON_PUBLIC.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

function passes<T>(value: T, allowed: T[], disallowed: T[]): boolean {
  if (allowed.length > 0) return allowed.includes(value);
  return !disallowed.includes(value);
}

function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/**
 * Fetches web-download URLs over http and https. Every URL, the first and
 * each redirect target, passes the scheme, host and port filters, and every
 * address its host resolves to must be public unless the host is named in
 * the allowed hosts. The connection goes to the address that was checked,
 * so a second DNS answer cannot point it elsewhere.
 */
export class HttpWebDownloader implements WebDownloader {
  constructor(private readonly settings: WebDownloadSettings) {}

  check(uri: string): void {
    this.parse(uri);
  }

  private parse(uri: string): URL {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new InvalidInput('web_download_uri_filtered', { uri });
    }
    const scheme = url.protocol.replace(/:$/, '');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port === '' ? defaultPort(scheme) : Number(url.port);
    const { settings } = this;
    const ok =
      (scheme === 'http' || scheme === 'https') &&
      passes(scheme, settings.allowedSchemes, settings.disallowedSchemes) &&
      passes(host, settings.allowedHosts, settings.disallowedHosts) &&
      passes(port, settings.allowedPorts, settings.disallowedPorts) &&
      url.username === '' &&
      url.password === '';
    if (!ok) throw new InvalidInput('web_download_uri_filtered', { uri });
    return url;
  }

  /** Resolves the host and returns the first address, after checking all of them. */
  private async resolve(url: URL): Promise<{ address: string; family: number }> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
    const trusted = this.settings.allowedHosts.includes(host);
    for (const { address } of addresses) {
      if (!trusted && isNonPublicAddress(address)) {
        throw new InvalidInput('web_download_address_denied', { uri: url.href, address });
      }
    }
    return addresses[0];
  }

  async download(uri: string, maxSize: number): Promise<ByteSource> {
    const deadline = Date.now() + this.settings.timeoutMs;
    let url = this.parse(uri);
    for (let hop = 0; hop <= this.settings.maxRedirects; hop++) {
      const response = await this.get(url, deadline);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        url = this.parse(new URL(location, url).href);
        continue;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        throw new Error(`GET ${url.href} returned HTTP ${status}`);
      }
      return limitSize(response, maxSize, deadline, url.href);
    }
    throw new Error(`GET ${uri} was redirected more than ${this.settings.maxRedirects} times`);
  }

  private async get(url: URL, deadline: number): Promise<IncomingMessage> {
    const target = await this.resolve(url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'GET',
        lookup: (_host, _options, callback) => callback(null, target.address, target.family),
        timeout: Math.max(1, deadline - Date.now()),
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url.href} timed out`)));
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
  }
}

/** Passes the body through until it grows past `maxSize` bytes or the deadline passes. */
function limitSize(response: IncomingMessage, maxSize: number, deadline: number, uri: string): ByteSource {
  return {
    async *[Symbol.asyncIterator]() {
      const timer = setTimeout(
        () => response.destroy(new Error(`GET ${uri} timed out`)),
        Math.max(1, deadline - Date.now()),
      );
      let size = 0;
      try {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxSize) throw new QuotaExceeded('image_size_cap_exceeded', { limit: maxSize });
          yield chunk;
        }
      } finally {
        clearTimeout(timer);
        response.destroy();
      }
    },
  };
}
