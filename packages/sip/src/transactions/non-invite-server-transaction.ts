import type { SipRequest, SipResponse } from '../message.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import type { ServerTransactionUser } from './invite-server-transaction.ts';
import { Transaction, type TransactionContext, type TransactionState } from './transaction.ts';

/** RFC 3261 §17.2.2 non-INVITE server transaction. */
export class NonInviteServerTransaction extends Transaction {
  protected readonly table = {
    trying: ['proceeding', 'completed', 'terminated'],
    proceeding: ['completed', 'terminated'],
    completed: ['terminated'],
  } as const satisfies Partial<Record<TransactionState, readonly TransactionState[]>>;

  readonly request: SipRequest;
  readonly responseTo: TransportAddress;
  #user: ServerTransactionUser;
  #lastRaw: Buffer | null = null;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, responseTo: TransportAddress, user: ServerTransactionUser) {
    super(id, 'trying', ctx);
    this.request = request;
    this.responseTo = responseTo;
    this.#user = user;
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
    this.startTimer('J', this.ctx.timers.J, () => this.transition('terminated'));
  }

  protected onTransportError(err: Error): void {
    if (!this.terminated) {
      this.transition('terminated');
      this.#user.onFailure('transport', err);
    }
  }
}
