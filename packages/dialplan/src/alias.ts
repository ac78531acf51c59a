/**
 * Destination alias parsing, as Pexip Infinity does before matching Call Routing Rules.
 *
 * Pexip's default match form ("parsed" alias) drops the URI scheme, URI parameters and a host that is an IP
 * literal: `sip:alice@example.com;transport=tls` → `alice@example.com`, `sip:1234567890123@127.0.0.11:5060`
 * → `1234567890123`. URI grammar per RFC 3261 §19.1 (SIP/SIPS), RFC 3966 (tel) and RFC 3508 (h323).
 * Parsing never throws: any string yields a ParsedAlias (an empty one for an empty string).
 */
import { isIpLiteral } from './ip.ts';

export type AliasScheme = 'sip' | 'sips' | 'tel' | 'h323';

export interface ParsedAlias {
  /** The input exactly as given. */
  readonly raw: string;
  /** Lower-cased scheme, or null when the alias has none (`1234@host`, `alice`). */
  readonly scheme: AliasScheme | null;
  /** The user part with %-escapes decoded and any `:password` removed; null when there is none. */
  readonly user: string | null;
  /** The host as written (IPv6 keeps its brackets), without port; null when there is none. */
  readonly host: string | null;
  readonly port: number | null;
  readonly hostIsIp: boolean;
  /** URI parameters (names lower-cased); a parameter without `=` maps to null. */
  readonly params: Readonly<Record<string, string | null>>;
  /** Display name of a name-addr (`"Alice" <sip:alice@example.com>`), unquoted; null when absent. */
  readonly displayName: string | null;
  /** Pexip's default match form: no scheme, no parameters, no IP host, no port. */
  readonly parsed: string;
}

const SCHEME = /^(sips?|tel|h323):/i;

/** Decode `%XX` runs as UTF-8; a run that is not valid UTF-8 is kept literally. */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

function parseParams(text: string): Record<string, string | null> {
  const entries: [string, string | null][] = [];
  const seen = new Set<string>();
  for (const piece of text.split(';')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = (eq < 0 ? piece : piece.slice(0, eq)).trim().toLowerCase();
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    entries.push([name, eq < 0 ? null : piece.slice(eq + 1)]);
  }
  // fromEntries defines own properties, so a parameter named __proto__ cannot touch the prototype.
  return Object.fromEntries(entries);
}

/** Split `host[:port]`, `[v6][:port]` or a bare IPv6 literal. */
function portOf(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

function splitHostPort(text: string): { host: string | null; port: number | null } {
  if (text === '') return { host: null, port: null };
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close > 0) {
      const rest = text.slice(close + 1);
      const port = rest.startsWith(':') ? portOf(rest.slice(1)) : null;
      if (rest === '' || port !== null) return { host: text.slice(0, close + 1), port };
    }
    return { host: text, port: null };
  }
  if (isIpLiteral(text)) return { host: text, port: null }; // bare IPv6: its colons are not a port
  const colon = text.lastIndexOf(':');
  const port = colon > 0 ? portOf(text.slice(colon + 1)) : null;
  if (port !== null) return { host: text.slice(0, colon), port };
  return { host: text, port: null };
}

/** Strip a name-addr wrapper: `"Display" <uri>;header-params` → uri and display name. */
function stripNameAddr(text: string): { uri: string; displayName: string | null } {
  let from = 0;
  if (text.startsWith('"')) {
    // A quoted display name may itself contain '<'; skip past its closing quote.
    const close = /^"(?:[^"\\]|\\.)*"/.exec(text);
    if (close) from = close[0].length;
  }
  const lt = text.indexOf('<', from);
  if (lt < 0) return { uri: text, displayName: null };
  const gt = text.indexOf('>', lt + 1);
  const uri = (gt < 0 ? text.slice(lt + 1) : text.slice(lt + 1, gt)).trim();
  const display = unquote(text.slice(0, lt));
  return { uri, displayName: display === '' ? null : display };
}

function emptyToNull(text: string | null): string | null {
  return text === null || text === '' ? null : text;
}

export function parseAlias(raw: string): ParsedAlias {
  const { uri, displayName } = stripNameAddr(String(raw).trim());
  const schemeMatch = SCHEME.exec(uri);
  const scheme = schemeMatch ? (schemeMatch[1]!.toLowerCase() as AliasScheme) : null;
  const rest = schemeMatch ? uri.slice(schemeMatch[0].length) : uri;

  let userinfo: string | null = null;
  let hostpart = '';
  const at = rest.lastIndexOf('@');
  if (scheme === 'tel') {
    userinfo = rest; // tel: has no host; its parameters follow the number
  } else if (at >= 0) {
    userinfo = rest.slice(0, at);
    hostpart = rest.slice(at + 1);
  } else if (scheme === 'sip' || scheme === 'sips') {
    hostpart = rest; // RFC 3261: a SIP URI without '@' names a host
  } else {
    userinfo = rest; // a bare alias or an h323 alias without '@' names a user
  }

  let paramsText = '';
  if (hostpart !== '' || at >= 0) {
    const q = hostpart.indexOf('?');
    if (q >= 0) hostpart = hostpart.slice(0, q);
    const semi = hostpart.indexOf(';');
    if (semi >= 0) {
      paramsText = hostpart.slice(semi + 1);
      hostpart = hostpart.slice(0, semi);
    }
  } else if (userinfo !== null) {
    // No host: parameters (tel: `;phone-context=`, bare `1234;foo`) trail the user part.
    const q = scheme === 'tel' || scheme === null ? -1 : userinfo.indexOf('?');
    if (q >= 0) userinfo = userinfo.slice(0, q);
    const semi = userinfo.indexOf(';');
    if (semi >= 0) {
      paramsText = userinfo.slice(semi + 1);
      userinfo = userinfo.slice(0, semi);
    }
  }

  if (userinfo !== null && scheme !== 'tel') {
    const colon = userinfo.indexOf(':');
    if (colon >= 0 && (scheme !== null || at >= 0)) userinfo = userinfo.slice(0, colon); // drop :password
  }
  const user = emptyToNull(userinfo === null ? null : percentDecode(userinfo));
  const { host, port } = splitHostPort(hostpart);
  const hostIsIp = host !== null && isIpLiteral(host);

  let parsed: string;
  if (host === null) parsed = user ?? '';
  else if (hostIsIp) parsed = user ?? host;
  else parsed = user === null ? host : `${user}@${host}`;

  return {
    raw,
    scheme,
    user,
    host,
    port,
    hostIsIp,
    params: parseParams(paramsText),
    displayName,
    parsed,
  };
}
