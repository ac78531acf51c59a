import { Headers } from '../headers.ts';
import { SipRequest, type SipResponse } from '../message.ts';
import { serializeMessage } from '../serializer.ts';
import type { TransportAddress } from '../transport.ts';
import { Transaction, type TransactionContext, type TransitionTable } from './transaction.ts';

export interface ClientTransactionUser {
  /** Every response the TU should see (1xx, 2xx including retransmissions in Accepted, first non-2xx). */
  onResponse(response: SipResponse): void;
  /** Timer B/F fired or the transport failed: the TU synthesizes 408 or 503 (§8.1.3.1). */
  onFailure(kind: 'timeout' | 'transport', error?: Error): void;
  /**
   * Called once the INVITE transaction is Accepted (a 2xx arrived and was passed up): what the transaction
   * should hold for the 2xx retransmissions of the rest of Timer M (32 s). A TU that only re-sends its ACK
   * returns a small user that holds the ACK bytes, so the request, the response and the call's state are
   * not kept alive for 32 s per call. Without it the transaction keeps this user.
   */
  detach?(): ClientTransactionUser;
}

/** What a transaction with a final answer holds when nothing more goes to its TU. */
export const DETACHED_USER: ClientTransactionUser = Object.freeze({ onResponse() {}, onFailure() {} });

const ICT_TABLE: TransitionTable = Object.freeze({
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
});

/** RFC 3261 §17.1.1 INVITE client transaction, with the Accepted state of RFC 6026 §7.2. */
export class InviteClientTransaction extends Transaction {
  protected get table(): TransitionTable {
    return ICT_TABLE;
  }

  readonly destination: TransportAddress;
  #request: SipRequest | null;
  #user: ClientTransactionUser;
  #raw: Buffer | null;
  #ackRaw: Buffer | null = null;
  #interval: number;

  constructor(ctx: TransactionContext, request: SipRequest, destination: TransportAddress, user: ClientTransactionUser) {
    super(request.via.branch ?? '', 'calling', ctx);
    this.#request = request;
    this.destination = destination;
    this.#user = user;
    this.#raw = serializeMessage(request);
    this.#interval = ctx.timers.A;
  }

  /** The INVITE; null once the transaction has its final response (it lingers without it, see `detach`). */
  get request(): SipRequest | null {
    return this.#request;
  }

  start(): void {
    void this.sendRaw(this.#raw!, this.destination);
    if (!this.ctx.transport.reliable) this.startTimer('A', this.#interval, () => this.#retransmit());
    this.startTimer('B', this.ctx.timers.B, () => {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('timeout'), 'onFailure');
    });
  }

  /** §17.1.1.2: Timer A doubles on each firing; no cap (Timer B ends it). */
  #retransmit(): void {
    if (this.state !== 'calling' || !this.#raw) return;
    this.#interval *= 2;
    void this.sendRaw(this.#raw, this.destination);
    this.startTimer('A', this.#interval, () => this.#retransmit());
  }

  receiveResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        this.stopTimer('A');
        if (s < 200) {
          // §17.1.1.2: Proceeding has no timeout; the UAS may hold the call in 1xx for as long as it likes.
          this.stopTimer('B');
          this.transition('proceeding');
        } else if (s < 300) {
          this.stopTimer('B');
          this.transition('accepted');
          this.#raw = null;
          this.terminateAfter('M', this.ctx.timers.M);
          this.callUser(() => this.#user.onResponse(res), 'onResponse');
          this.#request = null;
          const user = this.#user;
          this.#user = user.detach ? DETACHED_USER : user;
          if (user.detach) this.callUser(() => (this.#user = user.detach!()), 'detach');
          break;
        } else {
          this.stopTimer('B');
          this.transition('completed');
          this.#raw = null;
          this.#sendAck(res);
          this.terminateAfter('D', this.ctx.timers.D);
          this.callUser(() => this.#user.onResponse(res), 'onResponse');
          // Completed re-ACKs retransmissions itself: the TU has its answer and nothing more goes up.
          this.#request = null;
          this.#user = DETACHED_USER;
          break;
        }
        this.callUser(() => this.#user.onResponse(res), 'onResponse');
        break;
      case 'accepted':
        // RFC 6026 §7.2: retransmitted (or forked) 2xx go to the TU, which re-sends its ACK.
        if (s >= 200 && s < 300) this.callUser(() => this.#user.onResponse(res), 'onResponse');
        break;
      case 'completed':
        // §17.1.1.2: a retransmitted final response is re-ACKed, not passed up.
        if (s >= 300 && this.#ackRaw) void this.sendRaw(this.#ackRaw, this.destination);
        break;
      default:
        break;
    }
  }

  /** §17.1.1.3: ACK for a non-2xx final response, part of this transaction (same branch). */
  #sendAck(res: SipResponse): void {
    const req = this.#request!;
    const h = new Headers();
    h.append('Via', req.headers.getAll('Via')[0]!);
    for (const r of req.headers.getAll('Route')) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', req.headers.get('From')!);
    h.append('To', res.headers.get('To')!);
    h.append('Call-ID', req.callId);
    h.append('CSeq', `${req.cseq.seq} ACK`);
    const ack = new SipRequest({ method: 'ACK', uri: req.uri, headers: h });
    this.#ackRaw = serializeMessage(ack);
    void this.sendRaw(this.#ackRaw, this.destination);
  }

  protected onTransportError(err: Error): void {
    // §17.1.4: a transport failure in Calling/Proceeding ends the transaction and the TU sees a 503.
    if (this.state === 'calling' || this.state === 'proceeding') {
      this.transition('terminated');
      this.callUser(() => this.#user.onFailure('transport', err), 'onFailure');
    }
  }
}
