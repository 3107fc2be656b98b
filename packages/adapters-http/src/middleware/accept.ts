interface AcceptItem {
  type: string;
  subtype: string;
  quality: number;
}

function parseAccept(header: string): AcceptItem[] | null {
  const items: AcceptItem[] = [];
  for (const part of header.split(',')) {
    const [range, ...params] = part.trim().split(';');
    const match = /^([\w.+*-]+)\/([\w.+*-]+)$/.exec(range.trim());
    if (match === null) return null;
    let quality = 1;
    for (const param of params) {
      const [name, value] = param.trim().split('=');
      if (name === 'q') quality = Number(value);
    }
    if (Number.isNaN(quality)) return null;
    items.push({ type: match[1].toLowerCase(), subtype: match[2].toLowerCase(), quality });
  }
  return items;
}

/**
 * Picks the offer the Accept header rates highest, earlier offers winning
 * ties; a missing or unparseable header accepts everything. Returns null
 * when the header accepts none of the offers.
 */
export function preferredMediaType(header: string | undefined, offers: string[]): string | null {
  const items = header === undefined || header.trim() === '' ? null : parseAccept(header);
  if (items === null) return offers[0] ?? null;

  let best: string | null = null;
  let bestQuality = 0;
  for (const offer of offers) {
    const [type, subtype] = offer.split('/');
    let quality = 0;
    let specificity = -1;
    for (const item of items) {
      const matches =
        (item.type === '*' || item.type === type) && (item.subtype === '*' || item.subtype === subtype);
      const itemSpecificity = (item.type === '*' ? 0 : 1) + (item.subtype === '*' ? 0 : 1);
      if (matches && itemSpecificity > specificity) {
        specificity = itemSpecificity;
        quality = item.quality;
      }
    }
    if (quality > bestQuality) {
      best = offer;
      bestQuality = quality;
    }
  }
  return best;
}
