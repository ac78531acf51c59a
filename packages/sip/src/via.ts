import { DIGIT, HOSTCHAR, isWs, skipWs, TOKEN } from './abnf.ts';
import { SipParseError } from './errors.ts';
import { parseHeaderParams } from './name-addr.ts';
import { isIpv6Reference } from './uri.ts';

/** RFC 3261 §8.1.1.7 magic cookie that marks an RFC 3261 branch. */
export const BRANCH_COOKIE = 'z9hG4bK';

/** One Via value (RFC 3261 §20.42) with rport/received (RFC 3581). */
export interface Via {
  /** protocol-name/protocol-version, upper-cased (`SIP/2.0`). */
  protocol: string;
  /** Upper-cased transport token (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or an unknown extension). */
  transport: string;
  /** sent-by host as written; IPv6 references keep their brackets. */
  host: string;
  port: number | null;
  /** Via parameters: names lower-cased, values as written. */
  params: Map<string, string | null>;
  branch: string | null;
}

function scanToken(s: string, i: number): number {
  while (i < s.length && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

/**
 * Parse one via-parm: sent-protocol LWS sent-by *( SEMI via-params ), with SWS allowed around "/", ":"
 * and ";" (RFC 3261 §25.1). Any protocol name and version parse; the UAS answers 505 for other versions.
 */
function badVia(value: string, why: string): SipParseError {
  return new SipParseError(`bad Via "${clip(value.trim())}": ${why}`);
}

/** The common shape — `SIP/2.0/UDP host[:port]` then parameters or the end, no extra LWS — as one regex. */
const VIA_FAST = /^SIP\/2\.0\/([A-Za-z]+) ([A-Za-z0-9.\-_]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(?=;|$)/;

export function parseVia(value: string): Via {
  const m = VIA_FAST.exec(value);
  if (m !== null) {
    const host = m[2]!;
    const port = m[3] === undefined ? null : Number(m[3]);
    if ((port === null || port <= 65535) && (host.charCodeAt(0) !== 0x5b || isIpv6Reference(host))) {
      const params = new Map<string, string | null>();
      if (m[0].length < value.length) {
        try {
          parseHeaderParams(value, params, m[0].length);
        } catch (err) {
          throw badVia(value, (err as SipParseError).reason);
        }
        const rport = params.get('rport');
        if (rport !== undefined && rport !== null && !/^\d{1,5}$/.test(rport)) throw badVia(value, `bad rport "${rport}"`);
      }
      const t = m[1]!;
      return { protocol: 'SIP/2.0', transport: t === 'UDP' || t === 'TCP' || t === 'TLS' ? t : t.toUpperCase(), host, port, params, branch: params.get('branch') ?? null };
    }
  }
  return parseViaGeneral(value);
}

/** Any via-parm the grammar allows (LWS around every separator, other protocols), with precise errors. */
function parseViaGeneral(value: string): Via {
  let i = skipWs(value, 0);
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      if (value.charCodeAt(i) !== 0x2f) throw badVia(value, 'expected protocol-name/version/transport');
      i = skipWs(value, i + 1);
    }
    const end = scanToken(value, i);
    if (end === i) throw badVia(value, 'expected protocol-name/version/transport');
    parts.push(value.slice(i, end));
    i = k < 2 ? skipWs(value, end) : end;
  }
  if (i >= value.length || !isWs(value.charCodeAt(i))) throw badVia(value, 'no whitespace between the transport and sent-by');
  i = skipWs(value, i);
  // sent-by = host [ COLON port ]
  let host: string;
  if (value.charCodeAt(i) === 0x5b) {
    const end = value.indexOf(']', i);
    if (end < 0) throw badVia(value, 'unterminated IPv6 reference');
    host = value.slice(i, end + 1);
    if (!isIpv6Reference(host)) throw badVia(value, `bad IPv6 reference ${host}`);
    i = end + 1;
  } else {
    const start = i;
    while (i < value.length && HOSTCHAR[value.charCodeAt(i)] === 1) i++;
    host = value.slice(start, i);
    if (!host) throw badVia(value, 'missing sent-by host');
  }
  let port: number | null = null;
  i = skipWs(value, i);
  if (value.charCodeAt(i) === 0x3a) {
    i = skipWs(value, i + 1);
    const start = i;
    while (i < value.length && DIGIT[value.charCodeAt(i)] === 1) i++;
    if (i === start || i - start > 5) throw badVia(value, 'bad sent-by port');
    port = Number(value.slice(start, i));
    if (port > 65535) throw badVia(value, `port ${port} out of range`);
    i = skipWs(value, i);
  }
  if (i < value.length && value.charCodeAt(i) !== 0x3b) throw badVia(value, `unexpected ${JSON.stringify(value.slice(i, i + 12))} after sent-by`);
  const params = new Map<string, string | null>();
  try {
    parseHeaderParams(value, params, i);
  } catch (err) {
    throw badVia(value, (err as SipParseError).reason);
  }
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && !/^\d{1,5}$/.test(rport)) throw badVia(value, `bad rport "${rport}"`);
  return {
    protocol: `${parts[0]}/${parts[1]}`.toUpperCase(),
    transport: parts[2]!.toUpperCase(),
    host,
    port,
    params,
    branch: params.get('branch') ?? null,
  };
}

export function formatVia(v: Via): string {
  let s = `${v.protocol}/${v.transport} ${v.host}${v.port !== null ? ':' + v.port : ''}`;
  for (const [k, val] of v.params) s += val === null ? `;${k}` : `;${k}=${val}`;
  return s;
}

function bare(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** §18.2.1 + RFC 3581: stamp received/rport on the top Via of a request that arrived from `source`. */
export function stampReceived(via: Via, source: { address: string; port: number }): boolean {
  let changed = false;
  if (bare(via.host) !== source.address || via.params.has('rport')) {
    via.params.set('received', source.address);
    changed = true;
  }
  if (via.params.has('rport') && via.params.get('rport') === null) {
    via.params.set('rport', String(source.port));
    changed = true;
  }
  return changed;
}

/** §18.2.2 + RFC 3581 §4: where a response to a request with this top Via goes (unreliable transports). */
export function responseAddress(via: Via): { address: string; port: number } {
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  const defaultPort = via.transport === 'TLS' ? 5061 : 5060;
  return {
    address: received ? bare(received) : bare(via.host),
    port: rport ? Number(rport) : (via.port ?? defaultPort),
  };
}
