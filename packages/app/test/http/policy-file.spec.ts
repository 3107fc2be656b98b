import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeContext } from '@iris/domain';
import { loadPolicy, readPolicyFile } from '../../src/policy-file';
import { ApiClient, projectMember, projectReader, startTestServer, TestServer } from './helpers';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iris-policy-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function policyFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const member = makeContext({ requestId: 'req-1', projectId: 'p', roles: ['member'] });

describe('readPolicyFile', () => {
  it('reads YAML rules', async () => {
    const file = await policyFile('a.yaml', '# Glance overrides\npublicize_image: "role:member"\ndefault: ""\n');
    expect(readPolicyFile(file)).toEqual({ publicize_image: 'role:member', default: '' });
  });

  it('reads JSON rules', async () => {
    const file = await policyFile('a.json', '{"publicize_image": "role:member", "x": [["role:a"]]}');
    expect(readPolicyFile(file)).toEqual({ publicize_image: 'role:member', x: [['role:a']] });
  });

  it('comment-only file has no rules', async () => {
    const file = await policyFile('empty.yaml', '# nothing here\n\n');
    expect(readPolicyFile(file)).toEqual({});
  });

  it('missing file names the setting', () => {
    expect(() => readPolicyFile(path.join(dir, 'absent.yaml'))).toThrow(/IRIS_POLICY_FILE/);
  });

  it.each([
    ['list.yaml', '- role:admin\n', /mapping/],
    ['number.yaml', 'get_image: 42\n', /rule 'get_image'/],
    ['broken.yaml', 'get_image: "role:admin\n', /Invalid policy file/],
  ])('rejects %s', async (name, text, message) => {
    const file = await policyFile(name, text);
    expect(() => readPolicyFile(file)).toThrow(message);
  });
});

describe('loadPolicy', () => {
  it('no file keeps the defaults', () => {
    expect(loadPolicy('').allows('publicize_image', member, { owner: 'p' })).toBe(false);
  });

  it('file rule replaces the default', async () => {
    const file = await policyFile('publicize.yaml', 'publicize_image: "role:member"\n');
    expect(loadPolicy(file).allows('publicize_image', member, { owner: 'p' })).toBe(true);
  });

  it('syntax error names file and rule', async () => {
    const file = await policyFile('syntax.yaml', 'get_image: "role:admin or"\n');
    expect(() => loadPolicy(file)).toThrow(/syntax\.yaml.*role:admin or/);
  });
});

describe('server with a policy file', () => {
  let server: TestServer;
  let owner: ApiClient;
  let reader: ApiClient;

  beforeAll(async () => {
    const file = await policyFile(
      'server.yaml',
      [
        '# Members may publish; readers of the owner project may download.',
        'publicize_image: "role:admin or role:member"',
        "download_image: \"role:admin or (role:reader and project_id:%(project_id)s)\"",
        'image_deleters: "role:admin"',
        'delete_image: "rule:image_deleters"',
      ].join('\n'),
    );
    server = await startTestServer({ IRIS_POLICY_FILE: file });
    owner = new ApiClient(server.url, projectMember('policy-owner'));
    reader = owner.as(projectReader('policy-owner'));
  });

  afterAll(async () => {
    await server.close();
  });

  it('member may publish', async () => {
    const image = await owner.createImage({ visibility: 'public' });
    expect(image.visibility).toBe('public');
  });

  it('reader may download', async () => {
    const id = await owner.createActiveImage(Buffer.from('policy file data'));
    const res = await reader.get(`/v2/images/${id}/file`);

    expect(res.status).toBe(200);
    expect(res.text).toBe('policy file data');
  });

  it('helper rule restricts delete', async () => {
    const image = await owner.createImage({});
    expect((await owner.delete(`/v2/images/${image.id}`)).status).toBe(403);
  });

  it('invalid file stops the start', async () => {
    const file = await policyFile('bad-server.yaml', 'get_image: "(role:admin"\n');
    await expect(startTestServer({ IRIS_POLICY_FILE: file })).rejects.toThrow(/bad-server\.yaml/);
  });
});
