import { randomUUID } from 'node:crypto';
import { send, startTestServer, TestServer } from './helpers';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
});

async function missingImageMessage(acceptLanguage?: string): Promise<{ status: number; message: string; id: string }> {
  const id = randomUUID();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (acceptLanguage !== undefined) headers['Accept-Language'] = acceptLanguage;
  const res = await send(server.url, 'GET', `/v2/images/${id}`, { headers });
  return { status: res.status, message: String(res.json?.message ?? ''), id };
}

describe('localized error messages', () => {
  it.each(['zh', 'zh-CN', 'zh-cn;q=0.9, en;q=0.5'])('missing image in Chinese for %j', async (language) => {
    const { status, message, id } = await missingImageMessage(language);

    expect(status).toBe(404);
    expect(message).toBe(`找不到 ID 为 ${id} 的镜像<br /><br />\n\n\n`);
  });

  it('missing image in German', async () => {
    const { message, id } = await missingImageMessage('de-DE,de;q=0.9');

    expect(message).toBe(`Kein Image mit der ID ${id} gefunden<br /><br />\n\n\n`);
  });

  it.each(['ja-JP', 'fr;q=0.8, pt', '*'])('unsupported %j falls back to English', async (language) => {
    const { status, message, id } = await missingImageMessage(language);

    expect(status).toBe(404);
    expect(message).toBe(`No image found with ID ${id}<br /><br />\n\n\n`);
  });

  it('no header gives English', async () => {
    const { message, id } = await missingImageMessage();

    expect(message).toBe(`No image found with ID ${id}<br /><br />\n\n\n`);
  });

  it('quality values pick the language', async () => {
    const { message, id } = await missingImageMessage('en;q=0.2, zh;q=0.8');

    expect(message).toBe(`找不到 ID 为 ${id} 的镜像<br /><br />\n\n\n`);
  });

  it('HTML error body is translated too', async () => {
    const id = randomUUID();
    const res = await send(server.url, 'GET', `/v2/images/${id}`, { headers: { 'Accept-Language': 'zh-CN' } });

    expect(res.headers['content-type']?.toLowerCase()).toBe('text/html; charset=utf-8');
    expect(res.text).toContain(`找不到 ID 为 ${id} 的镜像`);
  });
});
