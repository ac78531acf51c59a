/**
 * Meetings (DOMAIN.md §2): identifiers, organizer, capacity, host controls, the simulated people in the
 * meeting and the gateway participants (joined or in the lobby). Pure state; the service drives it.
 */
import { ConfigError, newId } from '@gwsim/common';
import { MeetError } from './errors.ts';
import { newLongMeetingId, newMeetingCode, newShortMeetingId } from './identifiers.ts';
import type { HostControls, MeetingSnapshot, MeetingState, ParticipantView } from './model.ts';
import type { GatewayParticipant } from './participant.ts';
import type { MeetingSpec } from './specs.ts';

export const DEFAULT_CAPACITY = 100;

export interface MeetingRecord {
  readonly meetingId: string;
  readonly shortId: string;
  readonly code: string;
  readonly tenant: string;
  readonly organizer: string;
  readonly capacity: number;
  readonly createdAt: string;
  state: MeetingState;
  endedAt: string | undefined;
  host: HostControls;
  /** Simulated people in the meeting. */
  attendees: ParticipantView[];
  /** Gateway participants not yet disconnected (lobby or joined), by participant id. */
  readonly gateway: Map<string, GatewayParticipant>;
}

export function occupancy(m: MeetingRecord): number {
  let joined = 0;
  for (const p of m.gateway.values()) if (p.state === 'joined') joined++;
  return m.attendees.length + joined;
}

/** The meeting's state; the service adds `dialAddresses`, which depend on the tenant's settings. */
export function snapshot(m: MeetingRecord): Omit<MeetingSnapshot, 'dialAddresses'> {
  const gateway = [...m.gateway.values()];
  return Object.freeze({
    meetingId: m.meetingId,
    shortId: m.shortId,
    code: m.code,
    tenant: m.tenant,
    organizer: m.organizer,
    capacity: m.capacity,
    state: m.state,
    createdAt: m.createdAt,
    ...(m.endedAt && { endedAt: m.endedAt }),
    host: m.host,
    participants: Object.freeze([
      ...m.attendees,
      ...gateway.filter((p) => p.state === 'joined').map((p) => p.participantView()),
    ]),
    lobby: Object.freeze(gateway.filter((p) => p.state === 'lobby').map((p) => p.participantView())),
  });
}

export class MeetingRegistry {
  readonly #byLongId = new Map<string, MeetingRecord>();
  readonly #byShortId = new Map<string, MeetingRecord>();
  readonly #byCode = new Map<string, MeetingRecord>();

  /** Add a meeting for a validated spec whose organizer belongs to `tenant`. */
  create(spec: MeetingSpec, tenant: string, organizer: string, at: string): MeetingRecord {
    const onKnock = spec.onKnock ?? { kind: 'ignore' as const };
    if (spec.meetingId && this.#byLongId.has(spec.meetingId)) throw new MeetError('MEETING_EXISTS', `Meeting ID ${spec.meetingId} is taken.`);
    if (spec.shortId && this.#byShortId.has(spec.shortId)) throw new MeetError('MEETING_EXISTS', `Short ID ${spec.shortId} is taken.`);
    if (spec.code && this.#byCode.has(spec.code)) throw new MeetError('MEETING_EXISTS', `Meeting code ${spec.code} is taken.`);
    const names = spec.attendees ?? (onKnock.kind === 'nobodyPresent' ? [] : [organizer]);
    if (onKnock.kind === 'nobodyPresent' && names.length > 0) throw new ConfigError('attendees', 'must be empty when onKnock is nobodyPresent');
    const capacity = spec.capacity ?? DEFAULT_CAPACITY;
    if (names.length > capacity) throw new ConfigError('attendees', `has ${names.length} people, more than the capacity ${capacity}`);
    const record: MeetingRecord = {
      meetingId: spec.meetingId ?? newLongMeetingId((v) => this.#byLongId.has(v)),
      shortId: spec.shortId ?? newShortMeetingId((v) => this.#byShortId.has(v)),
      code: spec.code ?? newMeetingCode((v) => this.#byCode.has(v)),
      tenant,
      organizer,
      capacity,
      createdAt: at,
      state: 'active',
      endedAt: undefined,
      host: Object.freeze({ videoLock: spec.videoLock ?? false, micLock: spec.micLock ?? false, onKnock }),
      attendees: names.map((displayName) =>
        Object.freeze({ id: newId(), displayName, kind: 'user' as const, trusted: true, state: 'joined' as const, joinedAt: at }),
      ),
      gateway: new Map(),
    };
    this.#byLongId.set(record.meetingId, record);
    this.#byShortId.set(record.shortId, record);
    this.#byCode.set(record.code, record);
    return record;
  }

  /** By long ID, short ID or meeting code (admin look-ups). */
  get(id: string): MeetingRecord {
    const record = this.#byLongId.get(id) ?? this.#byShortId.get(id) ?? this.#byCode.get(id);
    if (!record) throw new MeetError('MEETING_NOT_FOUND', `No meeting ${id}.`);
    return record;
  }

  /** The meeting a dialled numeric ID names, by long or short ID (the admission check decides which counts). */
  findDialled(id: string): MeetingRecord | undefined {
    return this.#byLongId.get(id) ?? this.#byShortId.get(id);
  }

  all(): MeetingRecord[] {
    return [...this.#byLongId.values()];
  }
}
