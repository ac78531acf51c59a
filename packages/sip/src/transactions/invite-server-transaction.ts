import { GwsimError } from '@gwsim/common';
import type { SipRequest, SipResponse } from '../message.ts';
import { createResponse } from '../message-factory.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import { Transaction, type TransactionContext, type TransitionTable } from './transaction.ts';

export interface ServerTransactionUser {
  /** Timer H fired without an ACK, or the transport failed while sending a response. */
  onFailure(kind: 'timeout' | 'transport', error?: Error): void;
}

const IST_TABLE: TransitionTable = Object.freeze({
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
});

/** RFC 3261 §17.2.1 INVITE server transaction, with the Accepted state of RFC 6026 §7.1. */
export class InviteServerTransaction extends Transaction {
  protected get table(): TransitionTable {
    return IST_TABLE;
  }

  readonly responseTo: TransportAddress;
  #request: SipRequest | null;
  /** The To tag the UAS core answers with (also used for the 200 to a CANCEL, §9.2). */
  localTag: string | null = null;
  #user: ServerTransactionUser;
  #lastRaw: Buffer | null = null;
  #interval: number;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, responseTo: TransportAddress, user: ServerTransactionUser) {
    super(id, 'proceeding', ctx);
    this.#request = request;
    this.responseTo = responseTo;
    this.#user = user;
    this.#interval = ctx.timers.G;
  }

  /**
   * The request that created the transaction, until the final response is sent. After that the transaction
   * keeps only what retransmission needs (thousands linger for Timer J/L): keep your own reference.
   */
  get request(): SipRequest {
    if (!this.#request) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `${this.constructor.name} ${this.id}: the request is released once the final response is sent`);
    return this.#request;
  }

  /** Whether any response (even 100 Trying) has been sent. */
  get answered(): boolean {
    return this.#lastRaw !== null || this.state !== 'proceeding';
  }

  /**
   * §17.2.1: send 100 Trying unless the TU answers within `timers.trying` ms (200 ms by default; 0 sends it
   * at once). A UAS that answers at once thus costs one datagram less per call.
   */
  scheduleTrying(): void {
    const ms = this.ctx.timers.trying;
    if (ms <= 0) this.#sendTrying();
    else this.startTimer('trying', ms, () => this.#sendTrying());
  }

  #sendTrying(): void {
    if (this.state === 'proceeding' && !this.#lastRaw) this.respond(createResponse(this.request, { status: 100 }));
  }

  /** A retransmission of the INVITE arrived: resend the last provisional/final response (§17.2.1). */
  receiveRequestRetransmission(): void {
    if (this.state === 'proceeding' && !this.#lastRaw) {
      this.#sendTrying(); // the TU is still deciding: tell the client we have it
      return;
    }
    if ((this.state === 'proceeding' || this.state === 'completed') && this.#lastRaw) void this.sendRaw(this.#lastRaw, this.responseTo);
  }

  /** The ACK for a non-2xx final response arrived. */
  receiveAck(): void {
    if (this.state !== 'completed') return;
    this.stopTimer('G');
    this.stopTimer('H');
    this.transition('confirmed');
    this.#lastRaw = null;
    this.terminateAfter('I', this.ctx.timers.I);
  }

  /** Send a response from the TU. 2xx moves to Accepted; the TU (UAS core) retransmits 2xx itself. */
  respond(res: SipResponse): void {
    this.sendResponse(res, serializeMessage(res));
  }

  /** As `respond`, with the bytes already serialized (the UAS core keeps them for 2xx retransmission). */
  sendResponse(res: SipResponse, raw: Buffer): void {
    if (this.state !== 'proceeding') {
      // RFC 6026 §7.1: in Accepted, further 2xx from the TU are passed to the transport.
      if (this.state === 'accepted' && res.status >= 200 && res.status < 300) void this.sendRaw(raw, this.responseTo);
      return;
    }
    this.stopTimer('trying');
    void this.sendRaw(raw, this.responseTo);
    if (res.status < 200) {
      this.#lastRaw = raw;
      return;
    }
    this.#request = null;
    if (res.status < 300) {
      // Accepted absorbs INVITE retransmissions; the TU owns 2xx retransmission, so drop our copy.
      this.#lastRaw = null;
      this.transition('accepted');
      this.terminateAfter('L', this.ctx.timers.L);
      return;
    }
    this.#lastRaw = raw;
    this.transition('completed');
    if (!this.ctx.transport.reliable) this.startTimer('G', this.#interval, () => this.#retransmit());
    this.startTimer('H', this.ctx.timers.H, () => {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('timeout'), 'onFailure');
    });
  }

  #retransmit(): void {
    if (this.state !== 'completed' || !this.#lastRaw) return;
    this.#interval = Math.min(this.#interval * 2, this.ctx.timers.T2);
    void this.sendRaw(this.#lastRaw, this.responseTo);
    this.startTimer('G', this.#interval, () => this.#retransmit());
  }

  protected onTransportError(err: Error): void {
    // §17.2.4: the TU learns of the failure; a 2xx in flight is the TU's business (it retransmits).
    if (!this.terminated && this.state !== 'accepted') {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('transport', err), 'onFailure');
    }
  }
}
