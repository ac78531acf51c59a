/**
 * RFC 3263 §4 sending: the UAC asks an injected resolver for an ordered target list and walks it on
 * failure (§4.3). `@gwsim/dns`'s SipResolver satisfies `SipTargetResolver`; sip itself never does DNS.
 */
import { isIP } from 'node:net';
import { GwsimError } from '@gwsim/common';
import { parseNameAddr } from './name-addr.ts';
import type { TransportAddress, TransportProtocol } from './transport.ts';
import { formatUri, parseUri } from './uri.ts';

/** One place to send a request, in the order to try them. */
export interface SipTarget {
  address: string;
  port: number;
  transport: TransportProtocol;
  /** The name the address came from (SRV target or URI host), when known. */
  host?: string;
}

/** What to resolve: the host part of a SIP/SIPS URI and its parameters (RFC 3263 §4.1). */
export interface SipTargetRequest {
  host: string;
  port?: number;
  transport?: 'udp' | 'tcp' | 'tls';
  /** A sips: URI (implies TLS). */
  secure?: boolean;
}

export interface SipTargetResolver {
  /** Ordered targets; rejects (or resolves empty) when none can be found. */
  resolve(request: SipTargetRequest): Promise<SipTarget[]>;
}

/** One attempt of a request at one target (what the UAC tried, in order). */
export interface SendAttempt {
  target: SipTarget;
  status: number;
  reason: string;
  /** The response was synthesized locally (408 timeout, 503 transport failure). */
  local: boolean;
}

/**
 * What to resolve for a request: the first Route's URI when there is a route set (§8.1.2), else the
 * Request-URI. Throws GWSIM_ERR_INVALID_ARGUMENT for a URI that is not sip:/sips:.
 */
export function targetRequestFor(requestUri: string, route: readonly string[] = []): SipTargetRequest {
  let text = requestUri;
  if (route.length) {
    try {
      text = formatUri(parseNameAddr(route[0]!).uri);
    } catch (err) {
      throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `bad Route "${route[0]}": ${(err as Error).message}`, { cause: err });
    }
  }
  let uri;
  try {
    uri = parseUri(text);
  } catch (err) {
    throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `cannot send to "${text}": ${(err as Error).message}`, { cause: err });
  }
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `cannot send to a ${uri.rawScheme}: URI ("${text}")`);
  const maddr = uri.params.get('maddr');
  const tp = uri.params.get('transport')?.toLowerCase();
  const host = (maddr ?? uri.host).replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    ...(uri.port !== null ? { port: uri.port } : {}),
    ...(tp === 'udp' || tp === 'tcp' || tp === 'tls' ? { transport: tp } : {}),
    ...(uri.scheme === 'sips' ? { secure: true } : {}),
  };
}

/**
 * The resolver used when none is injected: IP literals only (RFC 3263 §4.2 with no DNS step). A hostname
 * is an error that says to inject a resolver (e.g. `@gwsim/dns` SipResolver).
 */
export const numericResolver: SipTargetResolver = {
  resolve(request) {
    if (!isIP(request.host)) {
      return Promise.reject(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `"${request.host}" is not an IP address and the user agent has no resolver (pass options.resolver, e.g. @gwsim/dns SipResolver)`));
    }
    const transport = request.secure ? 'tls' : (request.transport ?? 'udp');
    return Promise.resolve([{ address: request.host, port: request.port ?? (transport === 'tls' ? 5061 : 5060), transport, host: request.host }]);
  },
};

/** A fixed destination as a one-element target list. */
export function targetOf(destination: TransportAddress, transport: TransportProtocol): SipTarget {
  return { address: destination.address, port: destination.port, transport };
}

/** RFC 3263 §4.3: which outcomes move on to the next target (timeout, transport failure, 503). */
export function isFailover(status: number, local: boolean): boolean {
  return status === 503 || (local && status === 408);
}
