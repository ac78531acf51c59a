import type { SipRequest, SipResponse } from '../message.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import type { ClientTransactionUser } from './invite-client-transaction.ts';
import { Transaction, type TransactionContext, type TransactionState } from './transaction.ts';

/** RFC 3261 §17.1.2 non-INVITE client transaction. */
export class NonInviteClientTransaction extends Transaction {
  protected readonly table = {
    trying: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
  } as const satisfies Partial<Record<TransactionState, readonly TransactionState[]>>;

  readonly request: SipRequest;
  readonly destination: TransportAddress;
  #user: ClientTransactionUser;
  #raw: Buffer;
  #interval: number;

  constructor(ctx: TransactionContext, request: SipRequest, destination: TransportAddress, user: ClientTransactionUser) {
    super(request.via.branch ?? '', 'trying', ctx);
    this.request = request;
    this.destination = destination;
    this.#user = user;
    this.#raw = serializeMessage(request);
    this.#interval = ctx.timers.E;
  }

  start(): void {
    void this.sendRaw(this.#raw, this.destination);
    if (!this.ctx.transport.reliable) this.startTimer('E', this.#interval, () => this.#retransmit());
    this.startTimer('F', this.ctx.timers.F, () => {
      this.transition('terminated');
      this.#user.onFailure('timeout');
    });
  }

  #retransmit(): void {
    // Trying: double up to T2. Proceeding: every T2 (§17.1.2.2).
    const T2 = this.ctx.timers.T2;
    this.#interval = this.state === 'trying' ? Math.min(this.#interval * 2, T2) : T2;
    void this.sendRaw(this.#raw, this.destination);
    this.startTimer('E', this.#interval, () => this.#retransmit());
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (res.status < 200) {
      this.transition('proceeding');
      this.#user.onResponse(res);
      return;
    }
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition('completed');
    this.startTimer('K', this.ctx.timers.K, () => this.transition('terminated'));
    this.#user.onResponse(res);
  }

  protected onTransportError(err: Error): void {
    if (this.state === 'trying' || this.state === 'proceeding') {
      this.transition('terminated');
      this.#user.onFailure('transport', err);
    }
  }
}
