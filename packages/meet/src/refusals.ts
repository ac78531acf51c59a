/**
 * Every way a gateway join can fail, in one table: the stable code, the HTTP status the interop API
 * answers with, and a message a human can act on (DOMAIN.md §5). The Conferencing Node maps these codes to
 * SIP; knock outcomes and removals arrive later as join events carrying the same codes.
 */
export interface RefusalInfo {
  readonly status: number;
  readonly message: string;
}

export const REFUSALS = Object.freeze({
  TOKEN_INVALID: { status: 401, message: 'The interoperability token is not valid for this service.' },
  INTEROP_DISABLED: { status: 403, message: 'Interoperability with other systems is turned off for this organization.' },
  OUT_OF_SCOPE: { status: 403, message: "The meeting's organizer is outside the organization's interoperability scope." },
  MEETING_NOT_FOUND: { status: 404, message: 'No meeting with this meeting ID was found.' },
  MEETING_ENDED: { status: 404, message: 'The meeting has ended.' },
  VIDEO_LOCKED: { status: 403, message: 'The host has turned off "Turn on their video", so video systems cannot join.' },
  MEETING_FULL: { status: 409, message: 'The meeting is full.' },
  KNOCK_DENIED: { status: 403, message: 'Someone in the meeting denied the request to join.' },
  KNOCK_TIMEOUT: { status: 408, message: 'Nobody answered the request to join in time.' },
  NOBODY_TO_ADMIT: { status: 409, message: 'There is nobody in the meeting to admit the caller.' },
  MEET_UNAVAILABLE: { status: 503, message: 'The Meet interop service is unreachable or failed.' },
  MEET_TIMEOUT: { status: 504, message: 'The Meet interop service did not answer in time.' },
} as const satisfies Record<string, RefusalInfo>);

export type RefusalCode = keyof typeof REFUSALS;

/** Refusals decided by the service when a join arrives (the rest are knock outcomes or client-side). */
export type JoinRefusalCode =
  | 'TOKEN_INVALID'
  | 'INTEROP_DISABLED'
  | 'OUT_OF_SCOPE'
  | 'MEETING_NOT_FOUND'
  | 'MEETING_ENDED'
  | 'VIDEO_LOCKED'
  | 'MEETING_FULL';

export function isRefusalCode(code: string): code is RefusalCode {
  return Object.hasOwn(REFUSALS, code);
}
