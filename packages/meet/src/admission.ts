/**
 * The admission decision for a gateway join (DOMAIN.md §2 and §5), as one pure function over facts the
 * service has looked up. Checks run in this order; the first failure is the answer:
 *
 *   token unknown/revoked → TOKEN_INVALID; interop off → INTEROP_DISABLED;
 *   meeting unknown, in another tenant, or dialled in the form the tenant does not use → MEETING_NOT_FOUND;
 *   organizer outside the access scope → OUT_OF_SCOPE; ended → MEETING_ENDED; video lock → VIDEO_LOCKED;
 *   full → MEETING_FULL; then a trusted token joins and an untrusted one knocks.
 *
 * The scope check needs the meeting's organizer, so it comes after the meeting look-up.
 */
import type { InteropScope, InteropSettings, MeetingState, TokenInfo, UserInfo } from './model.ts';
import type { JoinRefusalCode } from './refusals.ts';

export interface MeetingFacts {
  readonly meetingId: string;
  readonly shortId: string;
  readonly tenant: string;
  readonly state: MeetingState;
  readonly videoLock: boolean;
  readonly capacity: number;
  /** People in the meeting now (simulated users and joined gateway participants; not the lobby). */
  readonly occupancy: number;
}

export interface AdmissionFacts {
  /** The token the secret resolved to, or undefined when unknown. */
  readonly token: TokenInfo | undefined;
  /** The interop settings of the token's tenant. */
  readonly interop: InteropSettings | undefined;
  /** The meeting ID as dialled. */
  readonly meetingId: string;
  /** The meeting whose long or short ID equals `meetingId`, if any. */
  readonly meeting: MeetingFacts | undefined;
  /** The meeting's organizer. */
  readonly organizer: UserInfo | undefined;
}

export type AdmissionDecision = { readonly ok: true; readonly path: 'join' | 'knock' } | { readonly ok: false; readonly code: JoinRefusalCode };

const refuse = (code: JoinRefusalCode): AdmissionDecision => ({ ok: false, code });

/** Is `orgUnit` the unit `scopeUnit` or below it? (`/Sales/EMEA` is within `/Sales`; `/` contains all.) */
export function withinOrgUnit(orgUnit: string, scopeUnit: string): boolean {
  if (scopeUnit === '/') return true;
  const unit = scopeUnit.endsWith('/') ? scopeUnit.slice(0, -1) : scopeUnit;
  return orgUnit === unit || orgUnit.startsWith(unit + '/');
}

/** Is this user (a meeting organizer) inside the tenant's interoperability access scope? */
export function inScope(scope: InteropScope, user: UserInfo | undefined): boolean {
  if (scope.kind === 'everyone') return true;
  if (!user) return false;
  if (scope.orgUnits.some((ou) => withinOrgUnit(user.orgUnit, ou))) return true;
  const groups = new Set(scope.groups.map((g) => g.toLowerCase()));
  return user.groups.some((g) => groups.has(g.toLowerCase()));
}

export function decideAdmission(facts: AdmissionFacts): AdmissionDecision {
  const { token, interop, meeting } = facts;
  if (!token || token.revokedAt || !interop) return refuse('TOKEN_INVALID');
  if (!interop.interopEnabled) return refuse('INTEROP_DISABLED');
  const dialledId = interop.meetingIdLength === 'long' ? meeting?.meetingId : meeting?.shortId;
  if (!meeting || meeting.tenant !== token.tenant || dialledId !== facts.meetingId) return refuse('MEETING_NOT_FOUND');
  if (!inScope(interop.scope, facts.organizer)) return refuse('OUT_OF_SCOPE');
  if (meeting.state === 'ended') return refuse('MEETING_ENDED');
  if (meeting.videoLock) return refuse('VIDEO_LOCKED');
  if (meeting.occupancy >= meeting.capacity) return refuse('MEETING_FULL');
  return { ok: true, path: token.trusted ? 'join' : 'knock' };
}
