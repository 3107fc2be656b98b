import { ByteSource, ImportPlugin, ImportPluginOutcome, StoredImportData } from '@iris/domain';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Glance's image_decompression plugin, for gzip: data that starts with the
 * gzip magic is decompressed before it is inspected and stored, and any
 * other data passes unchanged.
 */
export class GzipDecompressionPlugin implements ImportPlugin {
  readonly name = 'image_decompression';

  async transformSource(source: ByteSource): Promise<ByteSource> {
    const iterator = source[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done === true) return source;
    const head = first.value;
    const rest: ByteSource = {
      async *[Symbol.asyncIterator]() {
        yield head;
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
      },
    };
    const isGzip = GZIP_MAGIC.every((byte, i) => head[i] === byte);
    if (!isGzip) return rest;
    // pipeline destroys the gunzip stream with the source's error, so a
    // failed download also fails the decompressed stream.
    const gunzip = createGunzip();
    pipeline(Readable.from(rest), gunzip, () => undefined);
    return gunzip;
  }
}

/** Glance's inject_image_metadata plugin: sets configured properties on every imported image. */
export class PropertyInjectionPlugin implements ImportPlugin {
  readonly name = 'inject_image_metadata';

  constructor(private readonly properties: Record<string, string>) {}

  async afterStore({ stored }: StoredImportData): Promise<ImportPluginOutcome> {
    return { stored, properties: { ...this.properties } };
  }
}
