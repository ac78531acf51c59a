import type { LatencyHistogram, MarkedState, MediaSessionStats, StreamName } from '@gwsim/media';

/** Which implementation a simulated endpoint runs on. */
export type PersonaKind = 'vtc' | 'sipjs';

/** How DTMF keys are sent: RFC 4733 telephone-events in the RTP stream, or SIP INFO (application/dtmf-relay). */
export type DtmfMethod = 'rfc4733' | 'info';

/** Where one attempt of a dial went. */
export interface PersonaTarget {
  /** The name the address came from (SRV target, URI host, WebSocket server host), when known. */
  host?: string;
  address: string;
  port: number;
  transport: string;
}

export interface PersonaAttempt {
  target: PersonaTarget;
  status: number;
  reason: string;
  /** The answer was made up locally (408 timeout, 503 transport failure), not received. */
  local: boolean;
}

/** How an answered call ended: who hung up, and the Reason header (RFC 3326) of the remote BYE. */
export interface CallEnd {
  by: 'local' | 'remote';
  reason: string | null;
}

/**
 * An answered call. The caller tells where it is by the media it receives: the node plays marked frames for
 * the Virtual Reception prompt, the lobby splash and the meeting (`MEDIA_MARKERS` in @gwsim/media); through a
 * media bridge the probe origin says it (`node-lobby`, then the caller's own media echoed by Meet).
 */
export interface PersonaCall {
  readonly callId: string;
  /** The SDP answer from the 200 OK. */
  readonly answer: string;
  /** Where our RTP goes (the answer's audio address), or null when the answer has none. */
  readonly remoteMedia: { address: string; port: number } | null;
  /** Resolves once, when the call ends for any reason. */
  readonly ended: Promise<CallEnd>;
  /** Marked media states seen, in order, with the time (ms since the epoch) each was first received. */
  readonly mediaStates: ReadonlyArray<{ state: MarkedState; at: number }>;
  /** The marked state of the media received most recently, or null before any. */
  readonly mediaState: MarkedState | null;
  /** Resolve true when media of `state` has arrived; false when the call ends first or `timeoutMs` passes. */
  waitForMedia(state: MarkedState, timeoutMs: number): Promise<boolean>;
  /**
   * Start sending until the call ends: 20 ms PCMU frames to `remoteMedia`, or — for a persona with `media` —
   * its probe media, which already runs from the answer (then this does nothing).
   */
  startMedia(): void;
  /**
   * Per-stream figures of a persona with `media` (packets and bytes sent and received, RFC 3550 loss and
   * jitter, RTT of the caller's own probes echoed back, E-model MOS for audio); null without `media`.
   * Final once the call has ended.
   */
  mediaStats(): MediaSessionStats | null;
  /** The RTT histogram of one stream, to merge across calls; null without `media` or that stream. */
  rttHistogram(stream: StreamName): LatencyHistogram | null;
  /** Key DTMF digits, `gapMs` apart; rejects on a key outside 0-9 * # A-D before sending any. */
  sendDtmf(keys: string, method?: DtmfMethod, gapMs?: number): Promise<void>;
  /** BYE (or CANCEL before the answer); resolves with the BYE's final answer, or null when nothing was sent. */
  hangup(): Promise<{ status: number; reason: string } | null>;
}

/** What a dial comes to: the final answer and, when answered, the call. */
export interface PersonaDialResult {
  status: number;
  reason: string;
  /** The Reason header of the final response (RFC 3326), if any. */
  reasonHeader: string | null;
  warning: string | null;
  /** From sending the first INVITE to the final response, in ms. */
  setupMs: number;
  /** Post-dial delay: from the first INVITE to the first provisional other than 100, or the final response, in ms. */
  pddMs: number;
  /** Call-ID of the INVITE (also for refused calls, to find its ladder). */
  callId: string;
  /** One per target tried, in order. */
  attempts: PersonaAttempt[];
  call: PersonaCall | null;
}

/**
 * What a scenario runner needs from any simulated endpoint: `Vtc` (our SIP stack over UDP/TCP/TLS with
 * RFC 3263) and `SipJsPersona` (sip.js over WebSocket) both implement it.
 */
export interface EndpointPersona {
  readonly kind: PersonaKind;
  readonly name: string;
  /** Our address-of-record, `sip:<name>@<domain>`. */
  readonly aor: string;
  /** REGISTER our AOR (RFC 3261 §10.2); `dialHost` is where a DNS-resolving persona sends it (default: its domain). */
  register(dialHost?: string, expires?: number): Promise<{ status: number; reason: string }>;
  /** Place a call; resolves once it is answered or finally refused. */
  dial(dialString: string): Promise<PersonaDialResult>;
  /** End calls and registrations, close sockets. Idempotent. */
  close(): Promise<void>;
}
