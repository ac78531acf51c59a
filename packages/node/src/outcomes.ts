import { formatReason, parseReason } from '@gwsim/sip';

/**
 * How every call outcome looks to the caller, in one table (DOMAIN.md §5). The SIP codes are gwsim
 * conventions — no public source gives them — so they live here and nowhere else. Each refusal carries a
 * Reason header (RFC 3326) and a Warning a human can read.
 */
export interface SipOutcome {
  /** Final response before the call is answered. */
  readonly status: number;
  readonly reason: string;
  /** RFC 3326 cause used in the Reason header, on the final response and on a BYE after answer. */
  readonly cause: number;
}

export const OUTCOMES = Object.freeze({
  NO_MATCH: { status: 404, reason: 'Neither conference nor gateway found', cause: 404 },
  UNSUPPORTED_TARGET: { status: 404, reason: 'Call target is not a Google Meet meeting', cause: 404 },
  TOKEN_INVALID: { status: 403, reason: 'Google Meet access token rejected', cause: 403 },
  INTEROP_DISABLED: { status: 403, reason: 'Interoperability is off for the organization', cause: 403 },
  OUT_OF_SCOPE: { status: 403, reason: 'Meeting organizer outside the interoperability scope', cause: 403 },
  MEETING_NOT_FOUND: { status: 404, reason: 'Meeting not found', cause: 404 },
  MEETING_ENDED: { status: 404, reason: 'Meeting has ended', cause: 404 },
  VIDEO_LOCKED: { status: 403, reason: 'Host has turned off video for participants', cause: 403 },
  MEETING_FULL: { status: 486, reason: 'Meeting is full', cause: 486 },
  REMOVED_BY_HOST: { status: 403, reason: 'Removed from the meeting by the host', cause: 403 },
  KNOCK_DENIED: { status: 603, reason: 'Request to join was denied', cause: 603 },
  KNOCK_TIMEOUT: { status: 408, reason: 'Nobody admitted the caller in time', cause: 408 },
  NOBODY_TO_ADMIT: { status: 408, reason: 'Nobody in the meeting to admit the caller', cause: 408 },
  NODE_CAPACITY: { status: 503, reason: 'Conferencing Node out of capacity', cause: 503 },
  MEET_UNAVAILABLE: { status: 503, reason: 'Google Meet service unavailable', cause: 503 },
  MEET_TIMEOUT: { status: 504, reason: 'Google Meet service timed out', cause: 504 },
  CANCELLED: { status: 487, reason: 'Request Terminated', cause: 487 },
} as const satisfies Record<string, SipOutcome>);

/** Every way a gateway call can end, as the caller sees it: connected, or one row of the table. */
export type OutcomeCode = 'CONNECTED' | keyof typeof OUTCOMES;

export function isOutcomeCode(code: string): code is Exclude<OutcomeCode, 'CONNECTED'> {
  return Object.hasOwn(OUTCOMES, code);
}

/** `Reason: SIP;cause=404;text="…"` (RFC 3326). */
export function reasonHeader(outcome: SipOutcome): string {
  return formatReason({ protocol: 'SIP', cause: outcome.cause, text: outcome.reason });
}

/** Headers for a refusal: Reason plus a Warning naming the node (RFC 3261 §20.43, code 399 miscellaneous). */
export function refusalHeaders(outcome: SipOutcome, nodeName: string, detail?: string): Array<[string, string]> {
  const text = (detail ?? outcome.reason).replace(/"/g, "'");
  return [
    ['Reason', reasonHeader(outcome)],
    ['Warning', `399 ${nodeName} "${text}"`],
  ];
}

/**
 * What a caller can tell from a final response: the outcome whose status and reason phrase it carries, or
 * `CONNECTED` for 2xx, or null when the response is not one a gwsim node sends.
 */
export function outcomeFromResponse(status: number, reason: string): OutcomeCode | null {
  if (status >= 200 && status < 300) return 'CONNECTED';
  for (const [code, o] of Object.entries(OUTCOMES)) if (o.status === status && o.reason === reason) return code as OutcomeCode;
  return null;
}

/**
 * The outcome a `Reason` header (RFC 3326) on a BYE or final response names: `SIP;cause=603;text="…"`
 * matched against the table by cause and text; null when it names none of ours.
 */
export function outcomeFromReason(header: string | null | undefined): OutcomeCode | null {
  if (!header) return null;
  let sip;
  try {
    sip = parseReason(header).find((r) => r.protocol.toUpperCase() === 'SIP');
  } catch {
    return null;
  }
  if (!sip) return null;
  for (const [code, o] of Object.entries(OUTCOMES)) if (o.cause === sip.cause && o.reason === sip.text) return code as OutcomeCode;
  return null;
}
