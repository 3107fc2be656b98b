import { REASON_PHRASES } from './error-status';
import { preferredMediaType } from '../middleware/accept';

export interface ErrorBody {
  contentType: string;
  body: string;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * Renders an error as Glance does (through webob): HTML unless the client's
 * Accept header prefers JSON, and plain text when it accepts neither.
 * glanceclient's error parser depends on this choice.
 */
export function renderErrorBody(status: number, message: string, accept: string | undefined): ErrorBody {
  const title = REASON_PHRASES[status] ?? 'Error';
  const statusLine = `${status} ${title}`;
  const format = preferredMediaType(accept, ['text/html', 'application/json']);

  if (format === 'application/json') {
    const body = { message: `${message}<br /><br />\n\n\n`, code: statusLine, title };
    return { contentType: 'application/json', body: JSON.stringify(body) };
  }
  if (format === 'text/html') {
    const body =
      `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n` +
      `  <h1>${statusLine}</h1>\n  ${escapeHtml(message)}<br /><br />\n\n\n\n </body>\n</html>`;
    return { contentType: 'text/html; charset=UTF-8', body };
  }
  return { contentType: 'text/plain; charset=UTF-8', body: `${statusLine}\n\n${message}\n\n   ` };
}
