import { allIn, DIGIT, HEX, HNV, HOSTCHAR, PARAMCHAR, PASSWORD, USER } from './abnf.ts';
import { SipParseError } from './errors.ts';

/**
 * SIP and SIPS URIs (RFC 3261 §19.1, §25.1), tel URIs (RFC 3966); any other scheme is kept as `absolute`
 * (RFC 3261 absoluteURI) so that a UAS can answer 416 instead of failing to parse.
 *
 * Escapes (%HH) are resolved once, one char per octet: `user`, `password`, parameter names and values and
 * header names and values hold unescaped text; `formatUri` escapes again where the grammar requires it.
 */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel' | 'absolute';
  /** The scheme as written, lower-cased (for `absolute` URIs, e.g. `http`). */
  rawScheme: string;
  /** sip/sips: unescaped user part; tel: the number (unescaped). */
  user: string | null;
  password: string | null;
  /** Host as written; IPv6 references keep their brackets. Empty for tel and absolute URIs. */
  host: string;
  port: number | null;
  /** URI parameters: names lower-cased, values unescaped (null for a parameter without a value). */
  params: Map<string, string | null>;
  /** URI headers (`?name=value&…`), unescaped. */
  headers: Map<string, string>;
  /** For tel: the number as written; for absolute URIs: everything after the colon. */
  opaque?: string;
}

/** Resolve %HH escapes (one char per octet). Throws on a '%' that does not start a valid escape. */
export function unescapeUri(s: string, what = 'URI'): string {
  let pct = s.indexOf('%');
  if (pct < 0) return s;
  let out = '';
  let from = 0;
  while (pct >= 0) {
    const h1 = s.charCodeAt(pct + 1);
    const h2 = s.charCodeAt(pct + 2);
    if (!(HEX[h1] === 1 && HEX[h2] === 1)) throw new SipParseError(`bad %-escape "${s.slice(pct, pct + 3)}" in ${what}`);
    out += s.slice(from, pct) + String.fromCharCode(parseInt(s.slice(pct + 1, pct + 3), 16));
    from = pct + 3;
    pct = s.indexOf('%', from);
  }
  return out + s.slice(from);
}

/** Escape every char of `s` that is not in `allowed` (and every '%') as %HH. */
export function escapeUri(s: string, allowed: Uint8Array): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && allowed[c] === 1 && c !== 0x25) continue;
    out += s.slice(from, i);
    from = i + 1;
    if (c <= 0xff) {
      out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
    } else {
      // Text set by an application (unescaped values from the wire hold one char per octet): UTF-8 octets.
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) from = ++i + 1;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

function check(t: Uint8Array, s: string, what: string, uri: string): void {
  if (!allIn(t, s)) {
    for (let i = 0; i < s.length; i++) {
      if (t[s.charCodeAt(i)] !== 1) throw new SipParseError(`character ${JSON.stringify(s[i])} not allowed in ${what} of "${clip(uri)}"`);
    }
  }
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

/** Parse `;name[=value]…` (without the leading ';') into `into`. */
function parseUriParams(s: string, into: Map<string, string | null>, uri: string): void {
  let i = 0;
  while (i <= s.length) {
    let j = s.indexOf(';', i);
    if (j < 0) j = s.length;
    if (j === i) throw new SipParseError(`empty URI parameter in "${clip(uri)}"`);
    const eq = s.indexOf('=', i);
    const hasValue = eq >= 0 && eq < j;
    const name = s.slice(i, hasValue ? eq : j);
    const value = hasValue ? s.slice(eq + 1, j) : null;
    if (!name) throw new SipParseError(`URI parameter without a name in "${clip(uri)}"`);
    check(PARAMCHAR, name, 'a URI parameter name', uri);
    if (value !== null) {
      if (!value) throw new SipParseError(`URI parameter "${name}=" without a value in "${clip(uri)}"`);
      check(PARAMCHAR, value, 'a URI parameter value', uri);
    }
    into.set(unescapeUri(name, uri).toLowerCase(), value === null ? null : unescapeUri(value, uri));
    i = j + 1;
  }
}

/** Parse host[:port]; IPv6 references stay bracketed in `host`. */
export function parseHostPort(s: string, what = 'host'): { host: string; port: number | null } {
  let host: string;
  let rest: string;
  if (s.charCodeAt(0) === 0x5b) {
    const end = s.indexOf(']');
    if (end < 0) throw new SipParseError(`unterminated IPv6 reference in ${what} "${clip(s)}"`);
    host = s.slice(0, end + 1);
    rest = s.slice(end + 1);
    if (!isIpv6Reference(host)) throw new SipParseError(`bad IPv6 reference in ${what}: ${clip(host)}`);
  } else {
    const colon = s.indexOf(':');
    if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
      throw new SipParseError(`IPv6 address in ${what} "${clip(s)}" must be enclosed in "[" and "]"`);
    }
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
    if (!host) throw new SipParseError(`empty ${what}`);
    check(HOSTCHAR, host, what, s);
  }
  let port: number | null = null;
  if (rest) {
    if (rest.charCodeAt(0) !== 0x3a || rest.length < 2 || rest.length > 6 || !allIn(DIGIT, rest, 1)) {
      throw new SipParseError(`bad port in ${what} "${clip(s)}"`);
    }
    port = Number(rest.slice(1));
    if (port > 65535) throw new SipParseError(`port ${port} out of range in ${what} "${clip(s)}"`);
  }
  return { host, port };
}

/**
 * `[` IPv6address `]`, liberally: hex digits, ':' and '.', at least two colons. RFC 5118 §4.10 asks
 * implementations to tolerate the extra colon the RFC 3261 ABNF allows (`[2001:db8:::192.0.2.1]`).
 */
export function isIpv6Reference(h: string): boolean {
  if (h.length < 4 || h.charCodeAt(0) !== 0x5b || h.charCodeAt(h.length - 1) !== 0x5d) return false;
  let colons = 0;
  for (let i = 1; i < h.length - 1; i++) {
    const c = h.charCodeAt(i);
    if (c === 0x3a) colons++;
    else if (c !== 0x2e && HEX[c] !== 1) return false;
  }
  return colons >= 2;
}

/** Characters no URI may contain unescaped: whitespace, controls, '<', '>', '"' and anything non-ASCII. */
function badUriChar(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      return c === 0x20 || c === 0x09 ? 'whitespace' : c === 0x3c || c === 0x3e ? '"<" or ">"' : c === 0x22 ? 'a double quote' : `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return null;
}

/** Parse a URI as it appears in a Request-URI or inside name-addr angle brackets. */
export function parseUri(text: string): SipUri {
  let colon = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) {
      colon = i;
      break;
    }
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!(alpha || (i > 0 && (DIGIT[c] === 1 || c === 0x2b || c === 0x2d || c === 0x2e)))) break;
  }
  if (colon <= 0) throw new SipParseError(`URI "${clip(text)}" has no scheme`);
  if (colon === 3 || colon === 4) {
    const fast = parseSipUriFast(text, colon);
    if (fast !== null) return fast;
  }
  const bad = badUriChar(text);
  if (bad) throw new SipParseError(`URI "${clip(text)}" contains ${bad}`);
  const rawScheme = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (rawScheme === 'sip' || rawScheme === 'sips') return parseSipUri(rawScheme, rest, text);
  if (rawScheme === 'tel') return parseTelUri(rest, text);
  if (!rest) throw new SipParseError(`URI "${clip(text)}" is empty after the scheme`);
  return { scheme: 'absolute', rawScheme, user: null, password: null, host: '', port: null, params: new Map(), headers: new Map(), opaque: rest };
}

/**
 * The common shape of a SIP URI — optional user without password or escapes, host, port, parameters
 * without escapes, no headers — in one native regex match. Anything else (or a mismatch) goes to the
 * general parser, which also names the fault.
 */
const SIP_FAST = /^(?:([A-Za-z0-9\-_.!~*'()&=+$,;?/#]+)@)?([A-Za-z0-9.\-_]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?((?:;[A-Za-z0-9\-_.!~*'()[\]/:&+$]+(?:=[A-Za-z0-9\-_.!~*'()[\]/:&+$]+)?)*)$/;

function parseSipUriFast(text: string, colon: number): SipUri | null {
  const raw = text.slice(0, colon);
  const scheme = raw === 'sip' || raw === 'SIP' ? 'sip' : raw === 'sips' || raw === 'SIPS' ? 'sips' : null;
  if (scheme === null) return null;
  const m = SIP_FAST.exec(text.slice(colon + 1));
  if (m === null) return null;
  const host = m[2]!;
  const port = m[3] === undefined ? null : Number(m[3]);
  if ((port !== null && port > 65535) || (host.charCodeAt(0) === 0x5b && !isIpv6Reference(host))) return null;
  const params = new Map<string, string | null>();
  const p = m[4]!;
  if (p) {
    let i = 1;
    while (i <= p.length) {
      let j = p.indexOf(';', i);
      if (j < 0) j = p.length;
      const eq = p.indexOf('=', i);
      const name = eq >= 0 && eq < j ? p.slice(i, eq) : p.slice(i, j);
      params.set(name.toLowerCase(), eq >= 0 && eq < j ? p.slice(eq + 1, j) : null);
      i = j + 1;
    }
  }
  return { scheme, rawScheme: scheme, user: m[1] ?? null, password: null, host, port, params, headers: new Map() };
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string, text: string): SipUri {
  // userinfo ends at the '@'; the user part may itself contain ';', '?', '/' and ':' (RFC 3261 §19.1.1).
  const at = rest.indexOf('@');
  let user: string | null = null;
  let password: string | null = null;
  let hostPart = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    if (!userinfo) throw new SipParseError(`URI "${clip(text)}" has an empty user part`);
    const pc = userinfo.indexOf(':');
    const rawUser = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (!rawUser) throw new SipParseError(`URI "${clip(text)}" has an empty user part`);
    check(USER, rawUser, 'the user part', text);
    user = unescapeUri(rawUser, text);
    if (pc >= 0) {
      const rawPw = userinfo.slice(pc + 1);
      if (rawPw) check(PASSWORD, rawPw, 'the password', text);
      password = unescapeUri(rawPw, text);
    }
  }
  const q = hostPart.indexOf('?');
  const beforeHeaders = q < 0 ? hostPart : hostPart.slice(0, q);
  const semi = beforeHeaders.indexOf(';');
  const hp = parseHostPort(semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi), 'URI host');
  const params = new Map<string, string | null>();
  if (semi >= 0) parseUriParams(beforeHeaders.slice(semi + 1), params, text);
  const headers = new Map<string, string>();
  if (q >= 0) {
    for (const h of hostPart.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) throw new SipParseError(`bad URI header "${clip(h)}" in "${clip(text)}" (expected name=value)`);
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      check(HNV, name, 'a URI header name', text);
      if (value) check(HNV, value, 'a URI header value', text);
      headers.set(unescapeUri(name, text), unescapeUri(value, text));
    }
  }
  return { scheme, rawScheme: scheme, user, password, host: hp.host, port: hp.port, params, headers };
}

/** RFC 3966 telephone-subscriber: global (+digits) or local (hex digits, '*', '#') with visual separators. */
const TEL_CHARS = /^(?:\+[0-9\-.()]*[0-9][0-9\-.()]*|[0-9A-Fa-f*#\-.()]*[0-9A-Fa-f*#][0-9A-Fa-f*#\-.()]*)$/;

function parseTelUri(rest: string, text: string): SipUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!number) throw new SipParseError(`tel URI "${clip(text)}" has no number`);
  const unescaped = unescapeUri(number, text);
  if (!TEL_CHARS.test(unescaped)) throw new SipParseError(`bad telephone number "${clip(number)}" in "${clip(text)}"`);
  const params = new Map<string, string | null>();
  if (semi >= 0) parseUriParams(rest.slice(semi + 1), params, text);
  return { scheme: 'tel', rawScheme: 'tel', user: unescaped, password: null, host: '', port: null, params, headers: new Map(), opaque: number };
}

/** Serialize a URI, escaping where RFC 3261 §25.1 requires it. `parseUri(formatUri(u))` equals `u`. */
export function formatUri(u: SipUri): string {
  if (u.scheme === 'tel') return `tel:${u.opaque ?? u.user ?? ''}${formatParams(u.params)}`;
  if (u.scheme === 'absolute') return `${u.rawScheme}:${u.opaque ?? ''}`;
  let s = `${u.scheme}:`;
  if (u.user !== null) {
    s += escapeUri(u.user, USER);
    if (u.password !== null) s += ':' + escapeUri(u.password, PASSWORD);
    s += '@';
  }
  s += u.host;
  if (u.port !== null) s += ':' + u.port;
  s += formatParams(u.params);
  if (u.headers.size) s += '?' + [...u.headers].map(([k, v]) => `${escapeUri(k, HNV)}=${escapeUri(v, HNV)}`).join('&');
  return s;
}

/** URI parameters as `;name=value…`, escaped. */
export function formatParams(params: Map<string, string | null>): string {
  let s = '';
  for (const [k, v] of params) s += v === null ? `;${escapeUri(k, PARAMCHAR)}` : `;${escapeUri(k, PARAMCHAR)}=${escapeUri(v, PARAMCHAR)}`;
  return s;
}

/** Parameters whose presence in one URI and absence in the other makes SIP URIs unequal (§19.1.4). */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];
const CASELESS_VALUES = new Set(['user', 'ttl', 'method', 'maddr', 'transport', 'lr']);

/**
 * URI equality. SIP/SIPS: RFC 3261 §19.1.4 (user and password case-sensitive after unescaping, host
 * case-insensitive, an absent port differs from an explicit one, user/ttl/method/maddr/transport must
 * agree, other parameters only where both have them, headers must all agree). tel: RFC 3966 §4 (number
 * without visual separators, parameters as a set). Other schemes: case-insensitive scheme, exact rest.
 */
export function uriEquals(a: SipUri, b: SipUri): boolean {
  if (a.rawScheme !== b.rawScheme) return false;
  if (a.scheme === 'absolute') return a.opaque === b.opaque;
  if (a.scheme === 'tel') {
    const strip = (n: string | null) => (n ?? '').replace(/[-.()]/g, '').toLowerCase();
    if (strip(a.user) !== strip(b.user) || a.params.size !== b.params.size) return false;
    for (const [k, v] of a.params) {
      if (!b.params.has(k)) return false;
      if ((v ?? '').toLowerCase() !== (b.params.get(k) ?? '').toLowerCase()) return false;
    }
    return true;
  }
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  for (const k of MUST_MATCH) if (a.params.has(k) !== b.params.has(k)) return false;
  for (const [k, v] of a.params) {
    if (!b.params.has(k)) continue;
    const w = b.params.get(k) ?? null;
    if (v === null || w === null ? v !== w : CASELESS_VALUES.has(k) ? v.toLowerCase() !== w.toLowerCase() : v !== w) return false;
  }
  if (a.headers.size !== b.headers.size) return false;
  const bh = new Map([...b.headers].map(([k, v]) => [k.toLowerCase(), v]));
  for (const [k, v] of a.headers) if (bh.get(k.toLowerCase()) !== v) return false;
  return true;
}

export function sipUri(parts: { scheme?: 'sip' | 'sips'; user?: string | null; host: string; port?: number | null; params?: Record<string, string | null> }): SipUri {
  return {
    scheme: parts.scheme ?? 'sip',
    rawScheme: parts.scheme ?? 'sip',
    user: parts.user ?? null,
    password: null,
    host: parts.host,
    port: parts.port ?? null,
    params: new Map(Object.entries(parts.params ?? {})),
    headers: new Map(),
  };
}
