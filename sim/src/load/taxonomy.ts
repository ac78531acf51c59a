/**
 * The load generator's failure taxonomy: what a driver saw of one call → its outcome code and, when the
 * call did not end as its mix entry expected, one failure class. At least as fine as SIPp's failed-call
 * counters: FailedMaxUDPRetrans → `retransmission_exhausted`, FailedTimeoutOnRecv → `timeout`,
 * FailedCannotSendMessage/FailedTcpConnect/FailedTcpClosed → `transport_error`, FailedUnexpectedMessage and
 * FailedCallRejected → `unexpected_response:<code>`; plus what SIPp cannot tell apart: a remote BYE during
 * the hold (`unexpected_bye`), a BYE that failed (`bye_failed`), DNS (`dns_failure`), a call cut short by the
 * generator (`aborted`) and anything else (`error`).
 */

export const FAILURES = Object.freeze({
  TIMEOUT: 'timeout',
  RETRANSMISSION_EXHAUSTED: 'retransmission_exhausted',
  TRANSPORT_ERROR: 'transport_error',
  UNEXPECTED_BYE: 'unexpected_bye',
  BYE_FAILED: 'bye_failed',
  DNS_FAILURE: 'dns_failure',
  ABORTED: 'aborted',
  ERROR: 'error',
} as const);

/** Outcome codes the generator uses besides CONNECTED and the node's table (plus `REJECTED_<code>`). */
export const LOAD_OUTCOMES = Object.freeze({
  CONNECTED: 'CONNECTED',
  NO_RESPONSE: 'NO_RESPONSE',
  TRANSPORT_ERROR: 'TRANSPORT_ERROR',
  DNS_FAILURE: 'DNS_FAILURE',
  ABORTED: 'ABORTED',
  ERROR: 'ERROR',
} as const);

/** What a driver saw of one call, before any judgement. */
export interface CallObservation {
  /** Whether the transport is reliable (TCP, TLS…): a missing final response is then `timeout`, not `retransmission_exhausted`. */
  reliable: boolean;
  /** Final status of the INVITE, 0 when none (DNS failure, error, abort before sending). */
  status: number;
  /** The final response was synthesized by our UAC core (§8.1.3.1: 408 after Timer B, 503 after a transport failure). */
  local: boolean;
  /** The outcome code the final response (or the remote BYE's Reason) names, when the driver knows one (`outcomeFromResponse`). */
  outcome?: string | null;
  /** Name resolution failed before any request was sent. */
  dnsFailed?: boolean;
  /** The generator asked to stop the call (abort signal) before its final response. */
  aborted?: boolean;
  /** Something broke in the driver (an exception). */
  error?: boolean;
  /** After a 2xx: the remote side sent BYE before the hold ended. */
  remoteBye?: boolean;
  /** After a 2xx: our BYE's final status (0 when no BYE was sent; a local 408/503 counts as a failure). */
  byeStatus?: number;
}

export interface Classification {
  outcome: string;
  failure?: string;
}

const unexpected = new Map<number, string>();
const rejected = new Map<number, string>();

/** `unexpected_response:<code>`, interned (no string built per call). */
export function unexpectedResponse(status: number): string {
  let s = unexpected.get(status);
  if (s === undefined) unexpected.set(status, (s = `unexpected_response:${status}`));
  return s;
}

/** `REJECTED_<code>`: the outcome of a final non-2xx that names no known outcome. */
export function rejectedOutcome(status: number): string {
  let s = rejected.get(status);
  if (s === undefined) rejected.set(status, (s = `REJECTED_${status}`));
  return s;
}

/**
 * Classify one call against what its mix entry expects (CONNECTED or an outcome code). Order matters: a
 * call that never got an answer is judged by why (DNS, abort, error, local 408/503); an answered call by
 * its outcome, then by how it ended (remote BYE during the hold, failed BYE).
 */
export function classifyCall(o: CallObservation, expect: string): Classification {
  if (o.dnsFailed) return { outcome: LOAD_OUTCOMES.DNS_FAILURE, failure: FAILURES.DNS_FAILURE };
  if (o.error) return { outcome: LOAD_OUTCOMES.ERROR, failure: FAILURES.ERROR };
  const answered = o.status >= 200 && o.status < 300;
  if (o.aborted && !answered && (o.status === 0 || o.status === 487 || o.local)) return { outcome: LOAD_OUTCOMES.ABORTED, failure: FAILURES.ABORTED };
  if (o.status === 0) return { outcome: LOAD_OUTCOMES.ERROR, failure: FAILURES.ERROR };
  if (o.local && o.status === 408) return { outcome: LOAD_OUTCOMES.NO_RESPONSE, failure: o.reliable ? FAILURES.TIMEOUT : FAILURES.RETRANSMISSION_EXHAUSTED };
  if (o.local) return { outcome: LOAD_OUTCOMES.TRANSPORT_ERROR, failure: FAILURES.TRANSPORT_ERROR };
  if (!answered) {
    const outcome = o.outcome ?? rejectedOutcome(o.status);
    return outcome === expect ? { outcome } : { outcome, failure: unexpectedResponse(o.status) };
  }
  // Answered. A remote BYE whose Reason names an outcome (e.g. KNOCK_DENIED after the lobby) is that outcome.
  const outcome = o.remoteBye && o.outcome && o.outcome !== LOAD_OUTCOMES.CONNECTED ? o.outcome : LOAD_OUTCOMES.CONNECTED;
  if (outcome !== expect) return { outcome, failure: o.remoteBye ? FAILURES.UNEXPECTED_BYE : unexpectedResponse(o.status) };
  if (o.remoteBye && outcome === LOAD_OUTCOMES.CONNECTED) return { outcome, failure: FAILURES.UNEXPECTED_BYE };
  if (!o.remoteBye && o.byeStatus !== undefined && o.byeStatus !== 0 && (o.byeStatus < 200 || o.byeStatus >= 300)) return { outcome, failure: FAILURES.BYE_FAILED };
  return { outcome };
}
