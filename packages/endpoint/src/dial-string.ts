import { ConfigError } from '@gwsim/common';
import { parseUri, SipParseError, type SipUri } from '@gwsim/sip';

export interface DialTarget {
  /** The Request-URI to send, e.g. `sip:1234567890123@vc.example.com`. */
  uri: string;
  parsed: SipUri;
  host: string;
  port?: number;
  transport?: 'udp' | 'tcp' | 'tls';
  secure: boolean;
}

/**
 * Turn what a user types on a room system into a Request-URI: `sip:<id>@<host>`, `sips:…`, or the bare
 * `<id>@<host-or-ip>` forms Meet puts in invites (a missing scheme means sip:).
 */
export function parseDialString(input: string): DialTarget {
  const text = input.trim();
  if (!text) throw new ConfigError('dial', 'empty dial string');
  const uri = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `sip:${text}`;
  let parsed: SipUri;
  try {
    parsed = parseUri(uri);
  } catch (err) {
    throw new ConfigError('dial', `"${input}" is not a SIP address: ${(err as SipParseError).message}`, { cause: err });
  }
  if (parsed.scheme !== 'sip' && parsed.scheme !== 'sips') throw new ConfigError('dial', `"${input}": only sip: and sips: can be dialled (got ${parsed.rawScheme}:)`);
  if (!parsed.user) throw new ConfigError('dial', `"${input}" has no user part (expected <meeting id>@<host>)`);
  const tp = parsed.params.get('transport')?.toLowerCase();
  if (tp !== undefined && tp !== 'udp' && tp !== 'tcp' && tp !== 'tls') throw new ConfigError('dial', `"${input}": transport=${tp} is not one of udp, tcp, tls`);
  if (parsed.scheme === 'sips' && tp === 'udp') throw new ConfigError('dial', `"${input}": a sips: address cannot use transport=udp (RFC 3261 §26.2: SIPS needs TLS)`);
  const host = parsed.host.startsWith('[') ? parsed.host.slice(1, -1) : parsed.host;
  return { uri, parsed, host, port: parsed.port ?? undefined, transport: tp as DialTarget['transport'], secure: parsed.scheme === 'sips' };
}

/**
 * The transport a multi-transport UA uses for a dial (RFC 3263 §4.1): the URI's `transport` parameter, TLS
 * for a sips: URI (or `transport=tls`), else the UA's own preference.
 */
export function dialTransport(target: DialTarget, preferred: 'udp' | 'tcp' | 'tls'): 'udp' | 'tcp' | 'tls' {
  if (target.secure || target.transport === 'tls') return 'tls';
  return target.transport ?? preferred;
}
