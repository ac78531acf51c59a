import { SipParseError } from './errors.ts';
import { parseHeaderParams } from './name-addr.ts';
import { parseHostPort } from './uri.ts';

/** RFC 3261 §8.1.1.7 magic cookie that marks an RFC 3261 branch. */
export const BRANCH_COOKIE = 'z9hG4bK';

/** One Via value (RFC 3261 §20.42) with rport/received (RFC 3581). */
export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port: number | null;
  params: Map<string, string | null>;
  branch: string | null;
}

export function parseVia(value: string): Via {
  const m = /^\s*([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s]+)\s+/.exec(value);
  if (!m) throw new SipParseError(`bad Via "${value}"`);
  const protocol = `${m[1]}/${m[2]}`.toUpperCase();
  if (protocol !== 'SIP/2.0') throw new SipParseError(`unsupported Via protocol "${protocol}"`);
  const rest = value.slice(m[0].length);
  const semi = rest.indexOf(';');
  const sentBy = (semi < 0 ? rest : rest.slice(0, semi)).replace(/\s+/g, '');
  const { host, port } = parseHostPort(sentBy, 'Via sent-by');
  const params = new Map<string, string | null>();
  if (semi >= 0) parseHeaderParams(rest.slice(semi), params);
  return { protocol, transport: m[3]!.toUpperCase(), host, port, params, branch: params.get('branch') ?? null };
}

export function formatVia(v: Via): string {
  let s = `SIP/2.0/${v.transport} ${v.host}${v.port !== null ? ':' + v.port : ''}`;
  for (const [k, val] of v.params) s += val === null ? `;${k}` : `;${k}=${val}`;
  return s;
}

/** §18.2.1 + RFC 3581: stamp received/rport on the top Via of a request that arrived from `source`. */
export function stampReceived(via: Via, source: { address: string; port: number }): boolean {
  let changed = false;
  const host = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
  if (host !== source.address || via.params.has('rport')) {
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
  const host = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
  return {
    address: received ?? host,
    port: rport ? Number(rport) : (via.port ?? defaultPort),
  };
}
