/**
 * A gateway participant: one join through the interop API, from knock (or direct join) to disconnect.
 * Holds its event log so a late subscriber can replay it, and the timers of its pending knock.
 */
import { TypedEmitter, type TimerHandle } from '@gwsim/common';
import {
  checkTransition,
  DISCONNECT_EVENT,
  type DisconnectReason,
  type JoinEvent,
  type JoinEventType,
  type JoinView,
  type ParticipantState,
  type ParticipantView,
} from './model.ts';

export interface GatewayParticipantInit {
  readonly joinId: string;
  readonly participantId: string;
  readonly meetingId: string;
  readonly tokenId: string;
  readonly displayName: string;
  readonly trusted: boolean;
  readonly state: 'lobby' | 'joined';
  readonly at: string;
}

export class GatewayParticipant extends TypedEmitter<{ event: [JoinEvent] }> {
  readonly joinId: string;
  readonly participantId: string;
  readonly meetingId: string;
  readonly tokenId: string;
  readonly displayName: string;
  readonly trusted: boolean;
  readonly events: JoinEvent[] = [];
  #state: ParticipantState;
  #reason: DisconnectReason | undefined;
  #knockedAt: string | undefined;
  #joinedAt: string | undefined;
  #endedAt: string | undefined;
  #timers: TimerHandle[] = [];

  constructor(init: GatewayParticipantInit) {
    super();
    this.joinId = init.joinId;
    this.participantId = init.participantId;
    this.meetingId = init.meetingId;
    this.tokenId = init.tokenId;
    this.displayName = init.displayName;
    this.trusted = init.trusted;
    this.#state = init.state;
    if (init.state === 'lobby') this.#knockedAt = init.at;
    else this.#joinedAt = init.at;
  }

  get state(): ParticipantState {
    return this.#state;
  }

  get reason(): DisconnectReason | undefined {
    return this.#reason;
  }

  /** Keep a knock timer so that any outcome cancels the others. */
  addTimer(timer: TimerHandle): void {
    this.#timers.push(timer);
  }

  /** lobby → joined. */
  admit(at: string): JoinEvent {
    this.#state = checkTransition(this.#state, 'joined');
    this.#joinedAt = at;
    this.#cancelTimers();
    return this.#record('admitted', at);
  }

  /** → disconnected with a reason; returns undefined when already disconnected (idempotent). */
  disconnect(reason: DisconnectReason, at: string): JoinEvent | undefined {
    if (this.#state === 'disconnected') return undefined;
    this.#state = checkTransition(this.#state, 'disconnected');
    this.#reason = reason;
    this.#endedAt = at;
    this.#cancelTimers();
    return this.#record(DISCONNECT_EVENT[reason], at);
  }

  view(): JoinView {
    return Object.freeze({
      joinId: this.joinId,
      participantId: this.participantId,
      meetingId: this.meetingId,
      displayName: this.displayName,
      trusted: this.trusted,
      state: this.#state,
      ...(this.#reason && { reason: this.#reason }),
      ...(this.#knockedAt && { knockedAt: this.#knockedAt }),
      ...(this.#joinedAt && { joinedAt: this.#joinedAt }),
      ...(this.#endedAt && { endedAt: this.#endedAt }),
    });
  }

  participantView(): ParticipantView {
    return Object.freeze({
      id: this.participantId,
      joinId: this.joinId,
      displayName: this.displayName,
      kind: 'gateway',
      trusted: this.trusted,
      state: this.#state,
      ...(this.#knockedAt && { knockedAt: this.#knockedAt }),
      ...(this.#joinedAt && { joinedAt: this.#joinedAt }),
      ...(this.#endedAt && { endedAt: this.#endedAt }),
      ...(this.#reason && { reason: this.#reason }),
    });
  }

  #record(type: JoinEventType, at: string): JoinEvent {
    const event: JoinEvent = Object.freeze({
      seq: this.events.length + 1,
      type,
      joinId: this.joinId,
      participantId: this.participantId,
      state: this.#state,
      ...(this.#reason && { reason: this.#reason }),
      at,
    });
    this.events.push(event);
    this.emit('event', event);
    return event;
  }

  #cancelTimers(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
  }
}
