/**
 * SIP header collection (RFC 3261 §7.3): ordered, case-insensitive names, compact forms expanded,
 * unknown headers kept verbatim (name as written, value as received). Values are stored raw; structured
 * parsing happens on demand.
 */
import { quotedEnd } from './abnf.ts';

/** RFC 3261 §7.3.3 and registered compact forms, mapped to their canonical long names. */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact', b: 'Referred-By', c: 'Content-Type', d: 'Request-Disposition', e: 'Content-Encoding',
  f: 'From', i: 'Call-ID', j: 'Reject-Contact', k: 'Supported', l: 'Content-Length', m: 'Contact',
  n: 'Identity-Info', o: 'Event', r: 'Refer-To', s: 'Subject', t: 'To', u: 'Allow-Events', v: 'Via',
  x: 'Session-Expires', y: 'Identity',
};

const KNOWN = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info',
  'Event', 'Expires', 'From', 'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'MIME-Version', 'Organization',
  'Priority', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'Reason', 'Record-Route',
  'Refer-To', 'Referred-By', 'Reply-To', 'Require', 'Retry-After', 'Route', 'Server', 'Session-Expires',
  'Subject', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
  'WWW-Authenticate', 'RSeq', 'RAck', 'Min-SE', 'Identity', 'Identity-Info', 'Reject-Contact',
  'Request-Disposition', 'Path', 'Service-Route', 'P-Asserted-Identity',
];

/** lower-case name → canonical name. */
const CANONICAL = new Map<string, string>();
/** Spellings seen on the wire (canonical, lower, upper, compact letters) → canonical: the no-allocation path. */
const EXACT = new Map<string, string>();
for (const name of KNOWN) {
  CANONICAL.set(name.toLowerCase(), name);
  EXACT.set(name, name);
  EXACT.set(name.toLowerCase(), name);
  EXACT.set(name.toUpperCase(), name);
}
for (const [letter, name] of Object.entries(COMPACT)) {
  CANONICAL.set(letter, name);
  EXACT.set(letter, name);
  EXACT.set(letter.toUpperCase(), name);
}

/** Canonical spelling of a header name: compact forms expanded, known names in their RFC casing. */
export function canonicalHeaderName(name: string): string {
  return EXACT.get(name) ?? CANONICAL.get(name.toLowerCase()) ?? name;
}

/** Known names bucketed by length and lower-cased first char, for matching inside a larger string. */
const BUCKETS: Array<string[] | undefined> = [];
const bucketKey = (length: number, firstLower: number) => length * 128 + firstLower;
for (const name of new Set(CANONICAL.values())) {
  const k = bucketKey(name.length, name.toLowerCase().charCodeAt(0));
  (BUCKETS[k] ??= []).push(name);
}
const COMPACT_BY_CODE: Array<string | undefined> = [];
for (const [letter, name] of Object.entries(COMPACT)) {
  COMPACT_BY_CODE[letter.charCodeAt(0)] = name;
  COMPACT_BY_CODE[letter.toUpperCase().charCodeAt(0)] = name;
}

/**
 * The canonical name of the known header named by text[from, to) — `canonicalHeaderName` for the parser's
 * per-line path, which avoids hashing: names are bucketed by length and first letter — or null when the
 * name is not a known one.
 */
export function knownHeaderNameAt(text: string, from: number, to: number): string | null {
  const length = to - from;
  const first = text.charCodeAt(from);
  if (length === 1) return COMPACT_BY_CODE[first] ?? null;
  const bucket = BUCKETS[bucketKey(length, first >= 0x41 && first <= 0x5a ? first + 0x20 : first)];
  if (bucket === undefined) return null;
  // Written in canonical casing (the usual case): compare in place, no substring.
  for (let b = 0; b < bucket.length; b++) if (text.startsWith(bucket[b]!, from)) return bucket[b]!;
  return CANONICAL.get(text.slice(from, to).toLowerCase()) ?? null;
}

/** Lower-case form of a canonical name without allocating for known names. */
function lowerOf(canon: string): string {
  return LOWER.get(canon) ?? canon.toLowerCase();
}
const LOWER = new Map<string, string>();
for (const name of CANONICAL.values()) LOWER.set(name, name.toLowerCase());

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so that
 * `Via: a, b` and two `Via:` lines mean the same thing. Headers with commas inside
 * single values (dates, auth challenges) are not in this set.
 */
const LIST_HEADERS = new Set([
  'via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require', 'proxy-require',
  'unsupported', 'accept', 'accept-encoding', 'accept-language', 'content-encoding', 'content-language',
  'allow-events', 'in-reply-to', 'path', 'service-route', 'reason', 'warning', 'call-info', 'alert-info',
  'error-info', 'p-asserted-identity', 'accept-contact', 'reject-contact', 'request-disposition',
]);

export function isListHeader(canonicalName: string): boolean {
  return LIST_HEADERS.has(canonicalName.toLowerCase());
}

/** Split a header value at top-level commas (not inside quotes or angle brackets); empty elements are dropped. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch === 0x22) {
      const end = quotedEnd(value, i);
      if (end < 0) break; // unterminated quote: the rest is one element
      i = end - 1;
    } else if (ch === 0x3c) depthAngle++;
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
  /** Canonical name for known headers (compact forms expanded); unknown names as written. */
  name: string;
  value: string;
}

/** ASCII case-insensitive equality against an already lower-cased string, without allocating. */
export function sameName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Does a stored field carry this header (canonical identity first, then ASCII case-insensitive)? */
function matches(f: HeaderField, canon: string, lower: string): boolean {
  return f.name === canon || sameName(f.name, lower);
}

export class Headers {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  /** First value of a header (raw, not split), or undefined. */
  get(name: string): string | undefined {
    const canon = canonicalHeaderName(name);
    const lower = lowerOf(canon);
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) if (matches(fields[i]!, canon, lower)) return fields[i]!.value;
    return undefined;
  }

  /** Every value of a header; list headers are split at top-level commas. */
  getAll(name: string): string[] {
    const canon = canonicalHeaderName(name);
    const lower = lowerOf(canon);
    const list = LIST_HEADERS.has(lower);
    const out: string[] = [];
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (!matches(f, canon, lower)) continue;
      if (!list) out.push(f.value);
      else if (f.value.indexOf(',') < 0) {
        const v = f.value.trim();
        if (v) out.push(v);
      } else out.push(...splitList(f.value));
    }
    return out;
  }

  /** Number of header lines with this name (not split). */
  count(name: string): number {
    const canon = canonicalHeaderName(name);
    const lower = lowerOf(canon);
    let n = 0;
    for (const f of this.fields) if (matches(f, canon, lower)) n++;
    return n;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  #indexOf(canon: string): number {
    const lower = lowerOf(canon);
    return this.fields.findIndex((f) => matches(f, canon, lower));
  }

  /** Replace every line of `name` with one line holding `value`, at the position of the first. */
  set(name: string, value: string): this {
    const canon = canonicalHeaderName(name);
    const idx = this.#indexOf(canon);
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
    const idx = this.#indexOf(canon);
    this.fields.splice(idx < 0 ? this.fields.length : idx, 0, { name: canon, value });
    return this;
  }

  remove(name: string): this {
    const canon = canonicalHeaderName(name);
    const lower = lowerOf(canon);
    for (let i = this.fields.length - 1; i >= 0; i--) if (matches(this.fields[i]!, canon, lower)) this.fields.splice(i, 1);
    return this;
  }

  clone(): Headers {
    return new Headers(this.fields.map((f) => ({ ...f })));
  }
}
