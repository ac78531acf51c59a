/**
 * Why a call ended as it did, in plain language a user can act on. One entry per outcome of the node's
 * table (packages/node/src/outcomes.ts, DOMAIN.md §5) and per caller-side outcome; the SIP facts (status,
 * Reason header, BYE) come from what the caller saw.
 */

/** What the explanation is built from (a CallRecord fits). */
export interface ExplainInput {
  outcome: string;
  expect?: string;
  status: number;
  reason: string;
  reasonHeader?: string | null;
  byeReason?: string | null;
  dial?: string;
  uri?: string | null;
  failure?: string;
  detail?: string;
  hostAction?: string | null;
  meetingMs?: number | null;
  media?: readonly string[];
  error?: string;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 480: 'Temporarily Unavailable', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 500: 'Server Internal Error', 503: 'Service Unavailable', 504: 'Server Time-out', 603: 'Decline',
};

/** Cause and remedy per outcome: `why` completes "because …"; `fix` is what to change. */
const WHY: Record<string, { why: string; fix?: string }> = {
  NO_MATCH: {
    why: 'the dialled alias matched no Call Routing Rule (Pexip: "Neither conference nor gateway found")',
    fix: 'Dial sip:<13-digit meeting ID>@<gateway domain> or <ID>@<node IP>, or widen a rule\'s match_string (it must match the whole alias).',
  },
  UNSUPPORTED_TARGET: { why: 'the matching rule does not send calls to a Google Meet meeting', fix: "Set the rule's called_device_type to gms_conference." },
  TOKEN_INVALID: {
    why: 'Meet rejected the Google Meet access token the matching rule uses: the token is unknown to the organization or has been revoked',
    fix: 'Create a new interoperability token (Workspace admin console, type Pexip) and put its secret in the node\'s Google Meet access token.',
  },
  INTEROP_DISABLED: {
    why: 'interoperability is switched off for the organization that owns the token',
    fix: 'Turn on "Allow interoperability with other systems" in the Workspace admin console (Meet → Interoperability).',
  },
  OUT_OF_SCOPE: {
    why: "the meeting's organizer is outside the interoperability access scope (only the selected organizational units and groups may be joined by gateways)",
    fix: "Add the organizer's OU or a group of theirs to the access scope, or set the scope to everyone.",
  },
  MEETING_NOT_FOUND: {
    why: "Meet has no meeting with that ID in the token's organization (a mistyped ID, a meeting of another organization, or a short ID where the tenant uses long 13-digit IDs)",
    fix: 'Check the meeting ID in the invite (13 digits with long IDs).',
  },
  MEETING_ENDED: { why: 'the meeting has ended', fix: 'Start a new meeting (or restart this one) and dial its ID.' },
  VIDEO_LOCKED: {
    why: "the meeting host has 'Turn on their video' switched off: VTCs cannot join a meeting while the host has turned off video for participants",
    fix: "The host must switch 'Turn on their video' back on (Host management) before the VTC dials.",
  },
  MEETING_FULL: { why: 'the meeting has reached its participant capacity', fix: 'Someone must leave, or use a meeting with a larger capacity.' },
  REMOVED_BY_HOST: { why: 'the meeting host removed the gateway participant from the meeting' },
  KNOCK_DENIED: {
    why: 'the call used an untrusted token, so the gateway participant had to knock, and someone in the meeting denied the request to join',
    fix: 'Ask the host to admit the room, or register the room to the node so a trusted rule matches.',
  },
  KNOCK_TIMEOUT: {
    why: 'the call used an untrusted token, so the gateway participant knocked, and nobody in the meeting admitted it before the knock timeout',
    fix: 'Someone in the meeting must admit the room; registered (trusted) rooms join without knocking.',
  },
  NOBODY_TO_ADMIT: {
    why: 'the call used an untrusted token, so the gateway participant had to knock, but nobody was in the meeting to admit it',
    fix: 'Dial again once someone has joined the meeting, or register the room so a trusted rule matches.',
  },
  NODE_CAPACITY: {
    why: 'the Conferencing Node had no free capacity for the call (HD-call units, or its overload guard is shedding new calls); the Retry-After header says when to try again',
    fix: 'Add capacity (capacityUnits) or nodes, or lower the offered call quality.',
  },
  MEET_UNAVAILABLE: {
    why: 'the node could not use the Google Meet interop service: it was unreachable or answered with a server error',
    fix: "Check the node's path to Meet (network, proxy, Meet service status).",
  },
  MEET_TIMEOUT: { why: 'the Google Meet interop service did not answer the node in time', fix: "Check the node's path to Meet and Meet's latency." },
  CANCELLED: { why: 'the caller cancelled the call before it was answered' },
};

/** Outcome codes with a cause-and-remedy entry (the node's whole table must be here; a test checks). */
export const EXPLAINED_OUTCOMES: readonly string[] = Object.keys(WHY);

function sipStatus(status: number, phrase: string): string {
  const std = STATUS_TEXT[status];
  if (!std || std === phrase) return `${status} ${phrase}`;
  return `${status} ${std} ("${phrase}")`;
}

function withFix(text: string, outcome: string): string {
  const fix = WHY[outcome]?.fix;
  return fix ? `${text} ${fix}` : text;
}

/** One or two sentences saying what happened to the call and why (and, when it was not expected, so). */
export function explainCall(c: ExplainInput): string {
  const text = describe(c);
  if (c.expect && c.expect !== c.outcome) return `Expected ${c.expect}, got ${c.outcome}. ${text}`;
  if (c.failure && c.expect === c.outcome) return `${text} (The call still counts as failed: ${c.failure}${c.detail ? `, ${c.detail}` : ''}.)`;
  return text;
}

function describe(c: ExplainInput): string {
  const reasonHeader = c.reasonHeader ? ` (Reason: ${c.reasonHeader})` : '';
  const known = WHY[c.outcome];
  const answered = c.status >= 200 && c.status < 300;
  if (known && !answered && c.status > 0) {
    const answer = c.reasonHeader ? `${c.status} ${STATUS_TEXT[c.status] ?? c.reason}${reasonHeader}` : sipStatus(c.status, c.reason);
    return withFix(`The node refused the call with ${answer} because ${known.why}.`, c.outcome);
  }
  if (known && answered) {
    const lobby = c.media?.includes('lobby') ? ' and put the caller in the lobby (waiting splash)' : '';
    const host = c.hostAction ? ` The host's action: ${c.hostAction}.` : '';
    const why = c.outcome === 'VIDEO_LOCKED'
      ? "the meeting host switched 'Turn on their video' off while the room was in the meeting or waiting: gateway participants are removed when the video lock is turned on"
      : c.outcome === 'MEETING_ENDED' ? 'the meeting ended while the room was in it or waiting' : known.why;
    return withFix(`The node answered the call (200 OK)${lobby}, then ended it with BYE${c.byeReason ? ` (Reason: ${c.byeReason})` : ''} because ${why}.${host}`, c.outcome);
  }
  switch (c.outcome) {
    case 'CONNECTED': {
      const lobby = c.media?.includes('lobby') ? ', waited in the lobby until someone admitted it,' : '';
      const when = c.meetingMs !== null && c.meetingMs !== undefined ? ` (meeting media ${c.meetingMs} ms after the INVITE)` : '';
      return answered
        ? `The node answered the call (200 OK)${lobby} and the room reached the meeting${when}.`
        : `The call was answered and reached the meeting${when}.`;
    }
    case 'DNS_FAILURE':
      return `The endpoint could not resolve where to send the call: DNS (RFC 3263: NAPTR, SRV, then A records) gave no usable target for ${c.uri ?? c.dial ?? 'the dial string'}${c.detail ? ` (${c.detail})` : ''}. Check the domain's _sip._udp / _sip._tcp SRV records and the nodes' A records.`;
    case 'NO_RESPONSE':
      return `No node answered the INVITE: every target DNS gave (RFC 3263) timed out${c.failure === 'retransmission_exhausted' ? ' after all UDP retransmissions' : ''}, so the caller's SIP stack gave up with a local ${c.status || 408}. Check that the nodes are up and reachable on the SIP port.`;
    case 'TRANSPORT_ERROR':
      return 'The INVITE could not be sent: the connection to every target failed (refused, reset or TLS failure), so the caller\'s SIP stack answered itself 503. Check the nodes\' listening ports and transports.';
    case 'NO_MEETING_MEDIA':
      return `The node answered the call (200 OK) but no meeting media arrived${c.detail ? ` (${c.detail})` : ''}: the room is stuck before the meeting (still in the lobby or the Virtual Reception).`;
    case 'ABORTED':
      return 'The run was stopped (Ctrl-C or the end of the load drain) before this call finished.';
    case 'ERROR':
      return `The call could not be placed: ${c.error ?? c.detail ?? 'an internal error'}.`;
  }
  if (c.outcome.startsWith('REJECTED_')) {
    return `The node refused the call with ${c.status} ${c.reason}${reasonHeader}, which is not an answer in gwsim's outcome table (packages/node/src/outcomes.ts).`;
  }
  return `The call ended as ${c.outcome}${c.status ? ` (${c.status} ${c.reason})` : ''}.`;
}
