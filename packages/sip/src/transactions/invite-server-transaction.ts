import type { SipRequest, SipResponse } from '../message.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import { Transaction, type TransactionContext, type TransactionState } from './transaction.ts';

export interface ServerTransactionUser {
  /** Timer H fired without an ACK, or the transport failed while sending a response. */
  onFailure(kind: 'timeout' | 'transport', error?: Error): void;
}

/** RFC 3261 §17.2.1 INVITE server transaction, with the Accepted state of RFC 6026 §7.1. */
export class InviteServerTransaction extends Transaction {
  protected readonly table = {
    proceeding: ['accepted', 'completed', 'terminated'],
    accepted: ['terminated'],
    completed: ['confirmed', 'terminated'],
    confirmed: ['terminated'],
  } as const satisfies Partial<Record<TransactionState, readonly TransactionState[]>>;

  readonly request: SipRequest;
  readonly responseTo: TransportAddress;
  #user: ServerTransactionUser;
  #lastRaw: Buffer | null = null;
  #interval: number;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, responseTo: TransportAddress, user: ServerTransactionUser) {
    super(id, 'proceeding', ctx);
    this.request = request;
    this.responseTo = responseTo;
    this.#user = user;
    this.#interval = ctx.timers.G;
  }

  /** A retransmission of the INVITE arrived: resend the last provisional/final response (§17.2.1). */
  receiveRequestRetransmission(): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.#lastRaw) void this.sendRaw(this.#lastRaw, this.responseTo);
  }

  /** The ACK for a non-2xx final response arrived. */
  receiveAck(): void {
    if (this.state !== 'completed') return;
    this.stopTimer('G');
    this.stopTimer('H');
    this.transition('confirmed');
    this.startTimer('I', this.ctx.timers.I, () => this.transition('terminated'));
  }

  /** Send a response from the TU. 2xx moves to Accepted; the TU (UAS core) retransmits 2xx itself. */
  respond(res: SipResponse): void {
    if (this.state !== 'proceeding') {
      // RFC 6026: in Accepted, further 2xx from the TU are passed to the transport.
      if (this.state === 'accepted' && res.status >= 200 && res.status < 300) void this.sendRaw(serializeMessage(res), this.responseTo);
      return;
    }
    const raw = serializeMessage(res);
    this.#lastRaw = raw;
    void this.sendRaw(raw, this.responseTo);
    if (res.status < 200) return;
    if (res.status < 300) {
      this.transition('accepted');
      this.startTimer('L', this.ctx.timers.L, () => this.transition('terminated'));
      return;
    }
    this.transition('completed');
    if (!this.ctx.transport.reliable) this.startTimer('G', this.#interval, () => this.#retransmit());
    this.startTimer('H', this.ctx.timers.H, () => {
      this.transition('terminated');
      this.#user.onFailure('timeout');
    });
  }

  #retransmit(): void {
    if (this.state !== 'completed' || !this.#lastRaw) return;
    this.#interval = Math.min(this.#interval * 2, this.ctx.timers.T2);
    void this.sendRaw(this.#lastRaw, this.responseTo);
    this.startTimer('G', this.#interval, () => this.#retransmit());
  }

  protected onTransportError(err: Error): void {
    if (!this.terminated) {
      this.transition('terminated');
      this.#user.onFailure('transport', err);
    }
  }
}
