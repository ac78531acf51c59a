import { systemClock, type Clock } from '@gwsim/common';
import { splitList } from './headers.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { DEFAULT_TIMERS, deriveTimers, type DerivedTimers, type TimerSettings } from './timers.ts';
import { InviteClientTransaction, type ClientTransactionUser } from './transactions/invite-client-transaction.ts';
import { InviteServerTransaction, type ServerTransactionUser } from './transactions/invite-server-transaction.ts';
import { NonInviteClientTransaction } from './transactions/non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './transactions/non-invite-server-transaction.ts';
import type { TransactionContext } from './transactions/transaction.ts';
import type { Transport, TransportAddress } from './transport.ts';
import { BRANCH_COOKIE, formatVia, responseAddress, stampReceived } from './via.ts';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the transaction layer hands upwards (the transaction user: UAC/UAS cores). */
export interface TransactionLayerUser {
  /** A new request (not a retransmission). `tx` is null for ACK, which never creates a transaction. */
  onRequest(request: SipRequest, tx: ServerTransaction | null, source: TransportAddress): void;
  /** A response that matched no client transaction (e.g. a 2xx retransmission after the tx ended). */
  onStrayResponse(response: SipResponse, source: TransportAddress): void;
}

export interface TransactionLayerOptions {
  transport: Transport;
  clock?: Clock;
  timers?: Partial<TimerSettings>;
}

/**
 * RFC 3261 §17.1.3 / §17.2.3 transaction matching on top of one transport. Requests are stamped with
 * received/rport (§18.2.1, RFC 3581) before matching; retransmissions are absorbed here.
 */
export class TransactionLayer {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly timers: DerivedTimers;
  readonly #ctx: TransactionContext;
  readonly #client = new Map<string, ClientTransaction>();
  readonly #server = new Map<string, ServerTransaction>();
  #user: TransactionLayerUser | null = null;
  #closed = false;

  constructor(options: TransactionLayerOptions) {
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.timers = deriveTimers({ ...DEFAULT_TIMERS, ...options.timers }, options.transport.reliable);
    this.#ctx = { transport: this.transport, clock: this.clock, timers: this.timers };
    this.transport.on('message', (msg, from) => {
      if (this.#closed) return;
      if (msg.kind === 'request') this.#onRequest(msg, from);
      else this.#onResponse(msg, from);
    });
  }

  setUser(user: TransactionLayerUser): void {
    this.#user = user;
  }

  get sizes(): { client: number; server: number } {
    return { client: this.#client.size, server: this.#server.size };
  }

  /** Start a client transaction for INVITE or a non-INVITE request (never ACK). */
  sendRequest(request: SipRequest, destination: TransportAddress, user: ClientTransactionUser): ClientTransaction {
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(this.#ctx, request, destination, user)
        : new NonInviteClientTransaction(this.#ctx, request, destination, user);
    const key = clientKey(tx.id, request.method);
    this.#client.set(key, tx);
    tx.on('stateChange', (_from, to) => {
      if (to === 'terminated') this.#client.delete(key);
    });
    tx.start();
    return tx;
  }

  /** Find the INVITE server transaction a CANCEL refers to (§9.2). */
  findInviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.#server.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  #onRequest(req: SipRequest, from: TransportAddress): void {
    let key: string;
    try {
      const via = req.via;
      if (stampReceived(via, from)) replaceTopVia(req, formatVia(via));
      key = serverKey(req, req.method === 'ACK' ? 'INVITE' : req.method);
    } catch {
      // Broken Via/CSeq: not matchable; the UAS core validates and answers 400 where it can.
      this.#user?.onRequest(req, null, from);
      return;
    }
    const existing = this.#server.get(key);
    if (req.method === 'ACK') {
      if (existing instanceof InviteServerTransaction && existing.state === 'completed') {
        existing.receiveAck();
        return;
      }
      if (existing instanceof InviteServerTransaction && existing.state === 'confirmed') return; // ACK retransmission absorbed
      this.#user?.onRequest(req, null, from); // ACK for 2xx: goes to the UAS core / dialog
      return;
    }
    if (existing) {
      existing.receiveRequestRetransmission();
      return;
    }
    const to = responseAddress(req.via);
    const txUser: ServerTransactionUser = { onFailure: () => {} };
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(this.#ctx, key, req, to, txUser)
        : new NonInviteServerTransaction(this.#ctx, key, req, to, txUser);
    this.#server.set(key, tx);
    tx.on('stateChange', (_f, state) => {
      if (state === 'terminated') this.#server.delete(key);
    });
    this.#user?.onRequest(req, tx, from);
  }

  #onResponse(res: SipResponse, from: TransportAddress): void {
    let tx: ClientTransaction | undefined;
    try {
      tx = this.#client.get(clientKey(res.via.branch ?? '', res.cseq.method));
    } catch {
      return; // §18.1.2: responses with an unparseable Via or CSeq are discarded
    }
    if (tx) tx.receiveResponse(res);
    else this.#user?.onStrayResponse(res, from);
  }

  /** Terminate every transaction (no more timers or sends). */
  close(): void {
    this.#closed = true;
    for (const tx of this.#client.values()) tx.abort();
    for (const tx of this.#server.values()) tx.abort();
    this.#client.clear();
    this.#server.clear();
  }
}

function clientKey(branch: string, method: string): string {
  return `${branch}\u0000${method === 'ACK' ? 'INVITE' : method}`;
}

/** §17.2.3 server transaction key: branch + sent-by + method; RFC 2543 fallback uses dialog identifiers. */
function serverKey(req: SipRequest, method: string): string {
  const via = req.via;
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  if (via.branch?.startsWith(BRANCH_COOKIE)) return `${via.branch}\u0000${sentBy}\u0000${method}`;
  return `2543\u0000${req.uri}\u0000${req.fromTag ?? ''}\u0000${req.callId}\u0000${req.cseq.seq}\u0000${sentBy}\u0000${method}`;
}

/** Rewrite the first Via value in place (it may share a line with others: `Via: a, b`). */
function replaceTopVia(req: SipRequest, value: string): void {
  const fields = req.headers.fields;
  const idx = fields.findIndex((f) => f.name === 'Via');
  if (idx < 0) return;
  const others = splitList(fields[idx]!.value).slice(1);
  fields.splice(idx, 1, { name: 'Via', value }, ...others.map((v) => ({ name: 'Via', value: v })));
  req.invalidate();
}
