/**
 * The data model of the mock Meet interop service (DOMAIN.md §1–§2) as plain, JSON-safe views. These are
 * what the service returns, what the HTTP API sends and what the clients receive.
 */
import { GwsimError } from '@gwsim/common';

export type MeetingIdLength = 'long' | 'short';

/** Access scope, evaluated against the meeting's organizer (never the caller). */
export type InteropScope =
  | { readonly kind: 'everyone' }
  | { readonly kind: 'units'; readonly orgUnits: readonly string[]; readonly groups: readonly string[] };

export interface InteropSettings {
  readonly interopEnabled: boolean;
  readonly scope: InteropScope;
  readonly meetingIdLength: MeetingIdLength;
  readonly gatewayIp?: string;
  readonly gatewayHostname?: string;
  /** Additional gateway for Skype for Business: when set, invites carry `<id>@<sfbHostname>` too. */
  readonly sfbHostname?: string;
  /** Should be blank; only ever applied to short meeting IDs. */
  readonly meetingIdPrefix?: string;
}

export interface UserInfo {
  readonly email: string;
  /** Organizational unit path, `/` is the root (`/Sales/EMEA`). */
  readonly orgUnit: string;
  /** Group addresses the user belongs to. */
  readonly groups: readonly string[];
}

export interface TenantInfo {
  readonly domain: string;
  readonly interop: InteropSettings;
  readonly users: readonly UserInfo[];
  readonly createdAt: string;
}

/** An interoperability token as listed: never carries the secret. */
export interface TokenInfo {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly trusted: boolean;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** The one answer that carries a token's secret: the response to its creation. */
export interface CreatedToken {
  readonly token: TokenInfo;
  readonly secret: string;
}

/**
 * How the (simulated) people in a meeting answer a knock. `nobodyPresent`: nobody is in the meeting to
 * admit anyone, so every knock ends with NOBODY_TO_ADMIT.
 */
export type HostBehaviour =
  | { readonly kind: 'admit'; readonly afterMs: number }
  | { readonly kind: 'deny'; readonly afterMs: number }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'nobodyPresent' };

export interface HostControls {
  /** true = the host turned "Turn on their video" OFF: VTCs cannot join, gateway participants are removed. */
  readonly videoLock: boolean;
  /** true = the host turned "Turn on their microphone" OFF (recorded; no media yet). */
  readonly micLock: boolean;
  readonly onKnock: HostBehaviour;
}

export type MeetingState = 'active' | 'ended';

export type ParticipantState = 'lobby' | 'joined' | 'disconnected';

/** Why a participant (or a knock) ended. */
export type DisconnectReason =
  | 'LEFT'
  | 'KNOCK_DENIED'
  | 'KNOCK_TIMEOUT'
  | 'NOBODY_TO_ADMIT'
  | 'VIDEO_LOCKED'
  | 'MEETING_ENDED'
  | 'MEETING_FULL'
  | 'REMOVED_BY_HOST'
  | 'SERVICE_CLOSED';

export interface ParticipantView {
  readonly id: string;
  /** Set for gateway participants: the join that created it. */
  readonly joinId?: string;
  readonly displayName: string;
  /** `gateway`: joined through the interop API; `user`: a simulated person already in the meeting. */
  readonly kind: 'gateway' | 'user';
  readonly trusted: boolean;
  readonly state: ParticipantState;
  readonly knockedAt?: string;
  readonly joinedAt?: string;
  readonly endedAt?: string;
  readonly reason?: DisconnectReason;
}

export interface MeetingSnapshot {
  /** The 13-digit long meeting ID (universal PIN). */
  readonly meetingId: string;
  /** The short meeting ID, used only by tenants set to short IDs (convention: 10 digits). */
  readonly shortId: string;
  /** The meeting code, `abc-defg-hij`. */
  readonly code: string;
  readonly tenant: string;
  readonly organizer: string;
  readonly capacity: number;
  readonly state: MeetingState;
  readonly createdAt: string;
  readonly endedAt?: string;
  readonly host: HostControls;
  /** Everyone in the meeting (simulated users and joined gateway participants). */
  readonly participants: readonly ParticipantView[];
  /** Gateway participants knocking. */
  readonly lobby: readonly ParticipantView[];
  /**
   * What the service puts in invites for this meeting under its tenant's settings (DOMAIN.md §1):
   * `sip:<id>@<gateway hostname>`, `<id>@<gateway IP>`, `<id>@<SfB host>`; none for short-ID tenants.
   */
  readonly dialAddresses: { readonly sip?: string; readonly ip?: string; readonly sfb?: string };
}

/** A gateway join as the gateway sees it. */
export interface JoinView {
  readonly joinId: string;
  readonly participantId: string;
  readonly meetingId: string;
  readonly displayName: string;
  readonly trusted: boolean;
  readonly state: ParticipantState;
  readonly reason?: DisconnectReason;
  readonly knockedAt?: string;
  readonly joinedAt?: string;
  readonly endedAt?: string;
}

export type JoinEventType = 'admitted' | 'denied' | 'knock_timeout' | 'nobody_to_admit' | 'removed' | 'ended' | 'left';

/** A state change of one join, delivered over Server-Sent Events. `seq` starts at 1 per join. */
export interface JoinEvent {
  readonly seq: number;
  readonly type: JoinEventType;
  readonly joinId: string;
  readonly participantId: string;
  readonly state: ParticipantState;
  readonly reason?: DisconnectReason;
  readonly at: string;
}

/** Which event a disconnect produces. */
export const DISCONNECT_EVENT: Readonly<Record<DisconnectReason, JoinEventType>> = Object.freeze({
  LEFT: 'left',
  KNOCK_DENIED: 'denied',
  KNOCK_TIMEOUT: 'knock_timeout',
  NOBODY_TO_ADMIT: 'nobody_to_admit',
  VIDEO_LOCKED: 'removed',
  MEETING_ENDED: 'ended',
  MEETING_FULL: 'removed',
  REMOVED_BY_HOST: 'removed',
  SERVICE_CLOSED: 'removed',
});

/** Participant state machine: lobby → joined → disconnected, or lobby → disconnected. */
const TRANSITIONS: Readonly<Record<ParticipantState, readonly ParticipantState[]>> = Object.freeze({
  lobby: ['joined', 'disconnected'],
  joined: ['disconnected'],
  disconnected: [],
});

/** Check a participant state change against the table; throws GWSIM_ERR_ILLEGAL_STATE on an illegal move. */
export function checkTransition(from: ParticipantState, to: ParticipantState): ParticipantState {
  if (!TRANSITIONS[from].includes(to)) {
    throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `participant cannot move from ${from} to ${to}`);
  }
  return to;
}

export function isTerminal(state: ParticipantState): boolean {
  return TRANSITIONS[state].length === 0;
}
