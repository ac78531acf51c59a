import { GwsimError } from '@gwsim/common';
import type { SipRequest, SipResponse } from '../message.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import type { ServerTransactionUser } from './invite-server-transaction.ts';
import { Transaction, type TransactionContext, type TransitionTable } from './transaction.ts';

const NIST_TABLE: TransitionTable = Object.freeze({
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
});

/** RFC 3261 §17.2.2 non-INVITE server transaction. */
export class NonInviteServerTransaction extends Transaction {
  protected get table(): TransitionTable {
    return NIST_TABLE;
  }

  readonly responseTo: TransportAddress;
  #request: SipRequest | null;
  #user: ServerTransactionUser;
  #lastRaw: Buffer | null = null;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, responseTo: TransportAddress, user: ServerTransactionUser) {
    super(id, 'trying', ctx);
    this.#request = request;
    this.responseTo = responseTo;
    this.#user = user;
  }

  /**
   * The request that created the transaction, until the final response is sent. After that the transaction
   * keeps only what retransmission needs (thousands linger for Timer J/L): keep your own reference.
   */
  get request(): SipRequest {
    if (!this.#request) throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `${this.constructor.name} ${this.id}: the request is released once the final response is sent`);
    return this.#request;
  }

  /** Whether a response has been sent. */
  get answered(): boolean {
    return this.#lastRaw !== null;
  }

  /** Trying: absorb. Proceeding/Completed: resend the last response. */
  receiveRequestRetransmission(): void {
    if (this.#lastRaw && (this.state === 'proceeding' || this.state === 'completed')) void this.sendRaw(this.#lastRaw, this.responseTo);
  }

  respond(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    const raw = serializeMessage(res);
    this.#lastRaw = raw;
    void this.sendRaw(raw, this.responseTo);
    if (res.status < 200) {
      this.transition('proceeding');
      return;
    }
    this.transition('completed');
    this.#request = null;
    this.terminateAfter('J', this.ctx.timers.J);
  }

  protected onTransportError(err: Error): void {
    if (!this.terminated) {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('transport', err), 'onFailure');
    }
  }
}
