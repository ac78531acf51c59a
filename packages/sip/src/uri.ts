import { SipParseError } from './errors.ts';

/** SIP, SIPS (RFC 3261 §19.1) and tel (RFC 3966) URIs. Other schemes are kept as `absolute`. */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel' | 'absolute';
  /** The scheme as written, lower-cased (for `absolute` URIs, e.g. `http`). */
  rawScheme: string;
  user: string | null;
  password: string | null;
  host: string;
  port: number | null;
  params: Map<string, string | null>;
  headers: Map<string, string>;
  /** For tel: the number; for absolute URIs: everything after the colon. */
  opaque?: string;
}

const SCHEME_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** Percent-decode, rejecting broken escapes and NUL only where the caller asks for it. */
export function unescapeUri(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function parseParams(s: string, into: Map<string, string | null>, what: string): void {
  if (!s) return;
  for (const part of s.split(';')) {
    if (!part) throw new SipParseError(`empty ${what} parameter`);
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (!/^[a-zA-Z0-9\-_.!~*'()%[\]/:&+$]+$/.test(name)) throw new SipParseError(`bad ${what} parameter name "${name}"`);
    into.set(unescapeUri(name), eq < 0 ? null : unescapeUri(part.slice(eq + 1)));
  }
}

/** Parse host[:port]; IPv6 references stay bracketed in `host`. */
export function parseHostPort(s: string, what = 'host'): { host: string; port: number | null } {
  let host: string;
  let rest: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new SipParseError(`unterminated IPv6 reference in ${what}`);
    host = s.slice(0, end + 1);
    rest = s.slice(end + 1);
    if (!/^\[[0-9a-fA-F:.]+\]$/.test(host)) throw new SipParseError(`bad IPv6 reference in ${what}: ${host}`);
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
    if (!host) throw new SipParseError(`empty ${what}`);
    if (!/^[a-zA-Z0-9.\-_]+$/.test(host)) throw new SipParseError(`bad ${what} "${host}"`);
  }
  let port: number | null = null;
  if (rest) {
    if (!/^:\d{1,5}$/.test(rest)) throw new SipParseError(`bad port in ${what} "${s}"`);
    port = Number(rest.slice(1));
    if (port > 65535) throw new SipParseError(`port out of range in ${what} "${s}"`);
  }
  return { host, port };
}

/** Parse a URI as it appears in a Request-URI or inside name-addr angle brackets. */
export function parseUri(text: string): SipUri {
  const m = SCHEME_RE.exec(text);
  if (!m) throw new SipParseError(`URI "${text}" has no scheme`);
  const rawScheme = m[1]!.toLowerCase();
  const rest = text.slice(m[0].length);
  if (/[\s<>]/.test(text)) throw new SipParseError(`URI "${text}" contains whitespace or angle brackets`);
  if (rawScheme === 'tel') {
    const semi = rest.indexOf(';');
    const params = new Map<string, string | null>();
    parseParams(semi < 0 ? '' : rest.slice(semi + 1), params, 'tel URI');
    const num = semi < 0 ? rest : rest.slice(0, semi);
    if (!num) throw new SipParseError('empty tel URI number');
    return { scheme: 'tel', rawScheme, user: num, password: null, host: '', port: null, params, headers: new Map(), opaque: num };
  }
  if (rawScheme !== 'sip' && rawScheme !== 'sips') {
    return { scheme: 'absolute', rawScheme, user: null, password: null, host: '', port: null, params: new Map(), headers: new Map(), opaque: rest };
  }
  const q = rest.indexOf('?');
  const beforeHeaders = q < 0 ? rest : rest.slice(0, q);
  const headers = new Map<string, string>();
  if (q >= 0) {
    for (const h of rest.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) throw new SipParseError(`bad URI header "${h}"`);
      headers.set(unescapeUri(h.slice(0, eq)), unescapeUri(h.slice(eq + 1)));
    }
  }
  // userinfo ends at the last '@' before any parameter; user parts may contain ';' (RFC 3261 §19.1.1).
  const at = beforeHeaders.lastIndexOf('@');
  let user: string | null = null;
  let password: string | null = null;
  let hostPart = beforeHeaders;
  if (at >= 0) {
    const userinfo = beforeHeaders.slice(0, at);
    hostPart = beforeHeaders.slice(at + 1);
    if (!userinfo) throw new SipParseError(`URI "${text}" has an empty user part`);
    const colon = userinfo.indexOf(':');
    user = unescapeUri(colon < 0 ? userinfo : userinfo.slice(0, colon));
    password = colon < 0 ? null : unescapeUri(userinfo.slice(colon + 1));
  }
  const semi = hostPart.indexOf(';');
  const hp = parseHostPort(semi < 0 ? hostPart : hostPart.slice(0, semi), 'URI host');
  const params = new Map<string, string | null>();
  parseParams(semi < 0 ? '' : hostPart.slice(semi + 1), params, 'URI');
  return { scheme: rawScheme, rawScheme, user, password, host: hp.host, port: hp.port, params, headers };
}

const USER_UNRESERVED = /[^a-zA-Z0-9\-_.!~*'()&=+$,;?/]/g;

/** Serialize a URI (user part re-escaped where needed). */
export function formatUri(u: SipUri): string {
  if (u.scheme === 'tel') return `tel:${u.opaque ?? u.user ?? ''}${formatParams(u.params)}`;
  if (u.scheme === 'absolute') return `${u.rawScheme}:${u.opaque ?? ''}`;
  let s = `${u.scheme}:`;
  if (u.user !== null) {
    s += u.user.replace(USER_UNRESERVED, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
    if (u.password !== null) s += ':' + u.password;
    s += '@';
  }
  s += u.host;
  if (u.port !== null) s += ':' + u.port;
  s += formatParams(u.params);
  if (u.headers.size) s += '?' + [...u.headers].map(([k, v]) => `${k}=${v}`).join('&');
  return s;
}

export function formatParams(params: Map<string, string | null>): string {
  let s = '';
  for (const [k, v] of params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
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
