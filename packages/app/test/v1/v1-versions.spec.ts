import { loadConfig } from '../../src';
import {
  randomData,
  RAW_BARE,
  startV1Server,
  V1Client,
  V1TestServer,
} from './v1-helpers';

interface VersionEntry {
  id: string;
  status: string;
  links: { rel: string; href: string }[];
}

describe('v1 enabled', () => {
  let server: V1TestServer;

  beforeAll(async () => {
    server = await startV1Server();
  });

  afterAll(async () => {
    await server.close();
  });

  it('lists v1.1 and v1.0 as deprecated after v2', async () => {
    const res = await new V1Client(server.url).get('/versions');

    const versions = res.json.versions as VersionEntry[];
    const ids = versions.map((version) => version.id);
    expect(ids.slice(-2)).toEqual(['v1.1', 'v1.0']);
    expect(versions[0].id).toMatch(/^v2\./);
    for (const version of versions.slice(-2)) {
      expect(version.status).toBe('DEPRECATED');
      expect(version.links).toEqual([
        { rel: 'self', href: `${server.url}/v1/` },
      ]);
    }
    expect(versions[0].links[0].href).toBe(`${server.url}/v2/`);
  });

  it('lists v1 in the multiple choices answer', async () => {
    const res = await new V1Client(server.url).get('/');

    expect(res.status).toBe(300);
    expect(
      res.json.versions.map((version: VersionEntry) => version.id),
    ).toContain('v1.0');
  });
});

describe('v1 disabled', () => {
  let server: V1TestServer;
  let client: V1Client;

  beforeAll(async () => {
    server = await startV1Server({ IRIS_ENABLE_V1: 'false' });
    client = new V1Client(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers v1 paths with the versions document', async () => {
    const list = await client.get('/v1/images');
    const create = await client.create({ ...RAW_BARE }, randomData(10));

    expect(list.status).toBe(300);
    expect(
      list.json.versions.map((version: VersionEntry) => version.id),
    ).not.toContain('v1.0');
    expect(create.status).toBe(300);
  });

  it('leaves v1 out of the versions document', async () => {
    const res = await client.get('/versions');

    const ids = res.json.versions.map((version: VersionEntry) => version.id);
    expect(ids).not.toContain('v1.1');
    expect(ids).not.toContain('v1.0');
  });

  it('still serves v2', async () => {
    const res = await client.get('/v2/images');

    expect(res.status).toBe(200);
  });
});

describe('IRIS_ENABLE_V1', () => {
  it('defaults to true', () => {
    expect(loadConfig({}).enableV1).toBe(true);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['TRUE', true],
    ['yes', true],
  ])('reads %s', (value, expected) => {
    expect(loadConfig({ IRIS_ENABLE_V1: value }).enableV1).toBe(expected);
  });

  it('rejects another value', () => {
    expect(() => loadConfig({ IRIS_ENABLE_V1: 'sometimes' })).toThrow(
      "Invalid IRIS_ENABLE_V1 'sometimes': expected true or false",
    );
  });
});
