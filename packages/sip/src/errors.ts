import { GwsimError } from '@gwsim/common';

/**
 * A message that does not follow RFC 3261 §25 grammar. `status` is the response a UAS should send when it
 * can answer at all (400 unless a more specific code applies), `reason` names the fault for the reason phrase.
 */
export class SipParseError extends GwsimError {
  readonly status: number;
  readonly reason: string;

  constructor(reason: string, status = 400, options?: { cause?: unknown }) {
    super('GWSIM_ERR_PARSE', reason, options);
    this.name = 'SipParseError';
    this.status = status;
    this.reason = reason;
  }
}

/** A final non-2xx answer expressed as an error (used by middleware and UAC helpers). */
export class SipError extends GwsimError {
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, options?: { cause?: unknown }) {
    super('GWSIM_ERR_ILLEGAL_STATE', `${status} ${reason}`, options);
    this.name = 'SipError';
    this.status = status;
    this.reason = reason;
  }
}
