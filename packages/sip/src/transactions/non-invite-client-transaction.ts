import type { SipRequest, SipResponse } from '../message.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import { DETACHED_USER, type ClientTransactionUser } from './invite-client-transaction.ts';
import { Transaction, type TransactionContext, type TransitionTable } from './transaction.ts';

const NICT_TABLE: TransitionTable = Object.freeze({
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
});

/** RFC 3261 §17.1.2 non-INVITE client transaction. */
export class NonInviteClientTransaction extends Transaction {
  protected get table(): TransitionTable {
    return NICT_TABLE;
  }

  readonly destination: TransportAddress;
  #request: SipRequest | null;
  #user: ClientTransactionUser;
  #raw: Buffer | null;
  #interval: number;

  constructor(ctx: TransactionContext, request: SipRequest, destination: TransportAddress, user: ClientTransactionUser) {
    super(request.via.branch ?? '', 'trying', ctx);
    this.#request = request;
    this.destination = destination;
    this.#user = user;
    this.#raw = serializeMessage(request);
    this.#interval = ctx.timers.E;
  }

  /** The request; null once the final response arrived (Completed only absorbs retransmissions, Timer K). */
  get request(): SipRequest | null {
    return this.#request;
  }

  start(): void {
    void this.sendRaw(this.#raw!, this.destination);
    if (!this.ctx.transport.reliable) this.startTimer('E', this.#interval, () => this.#retransmit());
    this.startTimer('F', this.ctx.timers.F, () => {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('timeout'), 'onFailure');
    });
  }

  #retransmit(): void {
    if (!this.#raw) return;
    // Trying: double up to T2. Proceeding: every T2 (§17.1.2.2).
    const T2 = this.ctx.timers.T2;
    this.#interval = this.state === 'trying' ? Math.min(this.#interval * 2, T2) : T2;
    void this.sendRaw(this.#raw, this.destination);
    this.startTimer('E', this.#interval, () => this.#retransmit());
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed: retransmissions absorbed
    if (res.status < 200) {
      this.transition('proceeding');
      this.callUser(() => this.#user.onResponse(res), 'onResponse');
      return;
    }
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition('completed');
    this.#raw = null;
    this.terminateAfter('K', this.ctx.timers.K);
    this.callUser(() => this.#user.onResponse(res), 'onResponse');
    this.#request = null;
    this.#user = DETACHED_USER;
  }

  protected onTransportError(err: Error): void {
    if (this.state === 'trying' || this.state === 'proceeding') {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('transport', err), 'onFailure');
    }
  }
}
