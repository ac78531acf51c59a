/** Errors of the DNS package: a wire-format fault (RFC 1035 §4.1) and a failed resolution (RFC 3263 §4). */
import { GwsimError } from '@gwsim/common';

/** A DNS message that does not follow RFC 1035 §4.1; the server answers FORMERR when it can. */
export class DnsParseError extends GwsimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GWSIM_ERR_PARSE', `malformed DNS message: ${message}`, options);
    this.name = 'DnsParseError';
  }
}

/** Why a lookup failed, for callers that branch on it. */
export type DnsFailure = 'nxdomain' | 'nodata' | 'timeout' | 'server-error' | 'unreachable' | 'unavailable';

/** A resolution that produced no usable answer. `code` is always 'GWSIM_ERR_DNS'. */
export class DnsError extends GwsimError {
  readonly reason: DnsFailure;
  /** The queried name (owner name of the question that failed). */
  readonly qname: string;
  /** The queried type mnemonic (SRV, A, ...). */
  readonly qtype: string;

  constructor(reason: DnsFailure, qname: string, qtype: string, message: string, options?: { cause?: unknown }) {
    super('GWSIM_ERR_DNS', message, options);
    this.name = 'DnsError';
    this.reason = reason;
    this.qname = qname;
    this.qtype = qtype;
  }
}
