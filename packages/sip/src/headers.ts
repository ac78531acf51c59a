/**
 * SIP header collection (RFC 3261 §7.3): ordered, case-insensitive names, compact forms expanded,
 * unknown headers kept verbatim. Values are stored raw; structured parsing happens on demand.
 */

/** RFC 3261 §7.3.3 and registered compact forms, mapped to their canonical long names. */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact', b: 'Referred-By', c: 'Content-Type', d: 'Request-Disposition', e: 'Content-Encoding',
  f: 'From', i: 'Call-ID', j: 'Reject-Contact', k: 'Supported', l: 'Content-Length', m: 'Contact',
  n: 'Identity-Info', o: 'Event', r: 'Refer-To', s: 'Subject', t: 'To', u: 'Allow-Events', v: 'Via',
  x: 'Session-Expires', y: 'Identity',
};

const CANONICAL: Record<string, string> = {};
for (const name of [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info',
  'Event', 'Expires', 'From', 'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'MIME-Version', 'Organization',
  'Priority', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'Reason', 'Record-Route',
  'Refer-To', 'Referred-By', 'Reply-To', 'Require', 'Retry-After', 'Route', 'Server', 'Session-Expires',
  'Subject', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
  'WWW-Authenticate', 'RSeq', 'RAck', 'Min-SE', 'Identity', 'Identity-Info', 'Reject-Contact',
  'Request-Disposition', 'Path', 'Service-Route', 'P-Asserted-Identity',
]) {
  CANONICAL[name.toLowerCase()] = name;
}

/** Canonical spelling of a header name: compact forms expanded, known names in their RFC casing. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) {
    const full = COMPACT[lower];
    if (full) return full;
  }
  return CANONICAL[lower] ?? name;
}

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so that
 * `Via: a, b` and two `Via:` lines mean the same thing. Headers with commas inside
 * single values (dates, auth challenges) are not in this set.
 */
const LIST_HEADERS = new Set([
  'via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require', 'proxy-require',
  'unsupported', 'accept', 'accept-encoding', 'accept-language', 'content-encoding', 'content-language',
  'allow-events', 'in-reply-to', 'path', 'service-route', 'reason', 'warning', 'call-info', 'alert-info',
  'error-info', 'p-asserted-identity',
]);

export function isListHeader(canonicalName: string): boolean {
  return LIST_HEADERS.has(canonicalName.toLowerCase());
}

/** Split a header value at top-level commas (not inside quotes, angle brackets or parentheses). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = 0;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (inQuote) {
      if (ch === 0x5c) i++; // backslash escapes next char inside quoted-string
      else if (ch === 0x22) inQuote = false;
    } else if (ch === 0x22) inQuote = true;
    else if (ch === 0x3c) depthAngle++;
    else if (ch === 0x3e) depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === 0x2c && depthAngle === 0) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

export interface HeaderField {
  /** Canonical name (compact forms expanded). */
  name: string;
  value: string;
}

export class Headers {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  /** First value of a header (raw, not split), or undefined. */
  get(name: string): string | undefined {
    const want = canonicalHeaderName(name).toLowerCase();
    for (const f of this.fields) if (f.name.toLowerCase() === want) return f.value;
    return undefined;
  }

  /** Every value of a header; list headers are split at top-level commas. */
  getAll(name: string): string[] {
    const canon = canonicalHeaderName(name);
    const want = canon.toLowerCase();
    const list = isListHeader(canon);
    const out: string[] = [];
    for (const f of this.fields) {
      if (f.name.toLowerCase() !== want) continue;
      if (list) out.push(...splitList(f.value));
      else out.push(f.value);
    }
    return out;
  }

  /** Number of header lines with this name (not split). */
  count(name: string): number {
    const want = canonicalHeaderName(name).toLowerCase();
    let n = 0;
    for (const f of this.fields) if (f.name.toLowerCase() === want) n++;
    return n;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replace every line of `name` with one line holding `value`, at the position of the first. */
  set(name: string, value: string): this {
    const canon = canonicalHeaderName(name);
    const want = canon.toLowerCase();
    const idx = this.fields.findIndex((f) => f.name.toLowerCase() === want);
    this.remove(canon);
    if (idx < 0) this.fields.push({ name: canon, value });
    else this.fields.splice(Math.min(idx, this.fields.length), 0, { name: canon, value });
    return this;
  }

  append(name: string, value: string): this {
    this.fields.push({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Insert before every other line of the same name (a new top Via, say). */
  prepend(name: string, value: string): this {
    const canon = canonicalHeaderName(name);
    const want = canon.toLowerCase();
    const idx = this.fields.findIndex((f) => f.name.toLowerCase() === want);
    this.fields.splice(idx < 0 ? this.fields.length : idx, 0, { name: canon, value });
    return this;
  }

  remove(name: string): this {
    const want = canonicalHeaderName(name).toLowerCase();
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]!.name.toLowerCase() === want) this.fields.splice(i, 1);
    return this;
  }

  clone(): Headers {
    return new Headers(this.fields.map((f) => ({ ...f })));
  }
}
