import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient, startTestServer, storedFilesOf, TestServer } from './helpers';

/**
 * Uploads disk images written by the real qemu-img (Debian's qemu-utils)
 * and checks what the format inspection of PUT /file makes of them.
 */

const MIB = 1024 * 1024;

let server: TestServer;
let admin: ApiClient;
let workDir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  workDir = mkdtempSync(path.join(tmpdir(), 'iris-formats-'));
});

afterAll(async () => {
  await server.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs `qemu-img create` in the work folder and returns the file's bytes. */
function qemuImgCreate(name: string, format: string, options: string[] = [], size = '10M'): Buffer {
  const file = path.join(workDir, name);
  execFileSync('qemu-img', ['create', '-q', '-f', format, ...options, file, size]);
  return readFileSync(file);
}

/** Builds an ISO 9660 volume of `blocks` 2 KiB blocks: 16 empty system blocks, the descriptors, zeros. */
function isoImage(blocks: number): Buffer {
  const iso = Buffer.alloc(blocks * 2048);
  const primary = 0x8000;
  iso[primary] = 1;
  iso.write('CD001', primary + 1, 'latin1');
  iso[primary + 6] = 1;
  iso.writeUInt32LE(blocks, primary + 80);
  iso.writeUInt32BE(blocks, primary + 84);
  iso.writeUInt16LE(2048, primary + 128);
  iso.writeUInt16BE(2048, primary + 130);
  const terminator = primary + 2048;
  iso[terminator] = 255;
  iso.write('CD001', terminator + 1, 'latin1');
  iso[terminator + 6] = 1;
  return iso;
}

async function upload(diskFormat: string, data: Buffer, containerFormat = 'bare') {
  const image = await admin.createImage({ disk_format: diskFormat, container_format: containerFormat });
  const res = await admin.upload(image.id, data);
  const shownImage = (await admin.get(`/v2/images/${image.id}`)).json;
  return { id: image.id, res, shownImage };
}

describe('format inspection on upload', () => {
  it.each([
    ['qcow2', 'qcow2', []],
    ['vmdk', 'vmdk', []],
    ['vmdk', 'vmdk', ['-o', 'subformat=streamOptimized']],
    ['vhd', 'vpc', []],
    ['vhdx', 'vhdx', []],
    ['vdi', 'vdi', []],
  ])('%s from qemu-img %s %j gets virtual size', async (diskFormat, qemuFormat, options) => {
    const data = qemuImgCreate(`ok-${qemuFormat}-${options.length}`, qemuFormat, options);

    const { res, shownImage } = await upload(diskFormat, data);

    expect(res.status).toBe(204);
    expect(shownImage.status).toBe('active');
    expect(shownImage.size).toBe(data.length);
    // qemu-img rounds a VHD up to whole cylinders of its CHS geometry.
    const expected = diskFormat === 'vhd' ? 10514432 : 10 * MIB;
    expect(shownImage.virtual_size).toBe(expected);
  });

  it('raw gets its own size', async () => {
    const data = qemuImgCreate('ok.raw', 'raw', [], '1M');

    const { shownImage } = await upload('raw', data);

    expect(shownImage.virtual_size).toBe(MIB);
  });

  it('iso gets its volume size', async () => {
    const data = isoImage(40);

    const { res, shownImage } = await upload('iso', data);

    expect(res.status).toBe(204);
    expect(shownImage.virtual_size).toBe(40 * 2048);
  });

  it('raw accepts qcow2 data', async () => {
    const data = qemuImgCreate('as-raw.qcow2', 'qcow2');

    const { res, shownImage } = await upload('raw', data);

    expect(res.status).toBe(204);
    expect(shownImage.virtual_size).toBe(data.length);
  });

  it('non-bare container skips inspection', async () => {
    const data = isoImage(40);

    const { res, shownImage } = await upload('qcow2', data, 'ovf');

    expect(res.status).toBe(204);
    expect(shownImage.virtual_size).toBeNull();
  });

  it('ami accepts data that looks raw', async () => {
    const { res } = await upload('ami', Buffer.alloc(4096, 7));

    expect(res.status).toBe(204);
  });
});

describe('format inspection rejections', () => {
  const backing = () => {
    qemuImgCreate('base.qcow2', 'qcow2');
    return qemuImgCreate('overlay.qcow2', 'qcow2', ['-b', path.join(workDir, 'base.qcow2'), '-F', 'qcow2'], '10M');
  };
  const dataFile = () =>
    qemuImgCreate('external.qcow2', 'qcow2', ['-o', `data_file=${path.join(workDir, 'external.raw')}`]);
  const flatVmdk = () => qemuImgCreate('flat.vmdk', 'vmdk', ['-o', 'subformat=monolithicFlat']);

  it.each([
    ['iso declared as qcow2', 'qcow2', () => isoImage(40), 'does not match'],
    ['raw data declared as qcow2', 'qcow2', () => Buffer.alloc(4096, 1), 'does not match'],
    ['qcow2 declared as vmdk', 'vmdk', () => qemuImgCreate('as-vmdk.qcow2', 'qcow2'), 'does not match'],
    ['qcow2 declared as ami', 'ami', () => qemuImgCreate('as-ami.qcow2', 'qcow2'), 'does not match'],
    ['qcow2 with a backing file', 'qcow2', backing, 'backing file'],
    ['qcow2 with an external data file', 'qcow2', dataFile, 'external data file'],
    ['vmdk descriptor naming another file', 'vmdk', flatVmdk, 'monolithicFlat'],
  ])('%s gets 415', async (_name, diskFormat, makeData, message) => {
    const data = makeData();

    const { id, res, shownImage } = await upload(diskFormat, data);

    expect(res.status).toBe(415);
    expect(res.text).toContain(message);
    expect(shownImage.status).toBe('queued');
    expect(shownImage.size).toBeNull();
    expect(shownImage.checksum).toBeNull();
    expect(await storedFilesOf(server, id)).toEqual([]);
  });

  it('rejected image accepts matching data later', async () => {
    const { id } = await upload('qcow2', isoImage(40));

    const res = await admin.upload(id, qemuImgCreate('retry.qcow2', 'qcow2'));

    expect(res.status).toBe(204);
    expect(await admin.statusOf(id)).toBe('active');
  });
});
