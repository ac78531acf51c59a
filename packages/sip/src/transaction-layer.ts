import { silentLogger, systemClock, type Clock, type Logger } from '@gwsim/common';
import { splitList } from './headers.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { timersFor, type DerivedTimers, type TimerOptions } from './timers.ts';
import { InviteClientTransaction, type ClientTransactionUser } from './transactions/invite-client-transaction.ts';
import { InviteServerTransaction, type ServerTransactionUser } from './transactions/invite-server-transaction.ts';
import { NonInviteClientTransaction } from './transactions/non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './transactions/non-invite-server-transaction.ts';
import type { Transaction, TransactionContext } from './transactions/transaction.ts';
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
  /** T1/T2/T4 (and, rarely, derived timers) for every transport, with per-protocol overrides. */
  timers?: TimerOptions;
  /** Receives exceptions caught in timers and callbacks (they are never rethrown). */
  logger?: Logger;
}

/**
 * RFC 3261 §17.1.3 / §17.2.3 transaction matching on top of one transport. Requests are stamped with
 * received/rport (§18.2.1, RFC 3581) before matching; retransmissions are absorbed here. The layer also
 * keeps the index the UAS core needs for merged-request detection (§8.2.2.2).
 */
export class TransactionLayer {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly timers: DerivedTimers;
  readonly #ctx: TransactionContext;
  readonly #client = new Map<string, ClientTransaction>();
  readonly #server = new Map<string, ServerTransaction>();
  /** Call-ID + From tag + CSeq of server transactions for requests without a To tag (§8.2.2.2). */
  readonly #merge = new Map<string, ServerTransaction>();
  #user: TransactionLayerUser | null = null;
  #closed = false;

  constructor(options: TransactionLayerOptions) {
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.timers = timersFor(options.timers, options.transport.protocol, options.transport.reliable);
    const logger = options.logger ?? silentLogger;
    this.#ctx = {
      transport: this.transport,
      clock: this.clock,
      timers: this.timers,
      report: (error, where) => logger.error('exception caught in the transaction layer', { where, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      onTerminated: (tx) => this.#forget(tx),
    };
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
    tx.layerKey = clientKey(tx.id, request.method);
    this.#client.set(tx.layerKey, tx);
    tx.start();
    return tx;
  }

  #forget(tx: ClientTransaction | ServerTransaction | Transaction): void {
    if (tx instanceof InviteClientTransaction || tx instanceof NonInviteClientTransaction) {
      if (this.#client.get(tx.layerKey) === tx) this.#client.delete(tx.layerKey);
      return;
    }
    if (this.#server.get(tx.layerKey) === tx) this.#server.delete(tx.layerKey);
    if (tx.mergeKey !== null && this.#merge.get(tx.mergeKey) === tx) this.#merge.delete(tx.mergeKey);
  }

  /** Find the INVITE server transaction a CANCEL refers to (§9.2: §17.2.3 matching, method aside). */
  findInviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    let tx: ServerTransaction | undefined;
    try {
      tx = this.#server.get(serverKey(cancel, 'INVITE'));
    } catch {
      return undefined;
    }
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /**
   * §8.2.2.2 merged request: `tx` is a new transaction for a request without a To tag, and another live
   * server transaction has the same From tag, Call-ID and CSeq (it reached us by another path).
   */
  isMerged(_request: SipRequest, tx: ServerTransaction): boolean {
    return tx.merged;
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
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(this.#ctx, key, req, to, NO_USER)
        : new NonInviteServerTransaction(this.#ctx, key, req, to, NO_USER);
    tx.layerKey = key;
    this.#server.set(key, tx);
    const merge = this.#mergeKeyOf(req);
    if (merge !== null) {
      const other = this.#merge.get(merge);
      if (other === undefined || other.terminated) {
        tx.mergeKey = merge;
        this.#merge.set(merge, tx);
      } else {
        tx.merged = true;
      }
    }
    this.#user?.onRequest(req, tx, from);
  }

  #mergeKeyOf(req: SipRequest): string | null {
    try {
      return req.toTag === null && req.method !== 'CANCEL' ? mergeKey(req) : null;
    } catch {
      return null;
    }
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

  /** Terminate every transaction (no more timers or sends). Idempotent. */
  close(): void {
    this.#closed = true;
    for (const tx of this.#client.values()) tx.abort();
    for (const tx of this.#server.values()) tx.abort();
    this.#client.clear();
    this.#server.clear();
    this.#merge.clear();
  }
}

/** Server transaction failures reach the UAS core through its own timers (2xx retransmission, Timer H). */
const NO_USER: ServerTransactionUser = { onFailure: () => {} };

/*
 * Keys are built with Array.join, which makes a fresh flat string. A template literal would make a cons
 * string whose leaves are slices of the received header text: every transaction lingering 64*T1 in
 * Completed/Accepted would then keep its whole request text alive through its map key (measured: ~1.5 KB
 * per call at a few thousand calls/s).
 */
function clientKey(branch: string, method: string): string {
  return [branch, method === 'ACK' ? 'INVITE' : method].join('\u0000');
}

function mergeKey(req: SipRequest): string {
  const cseq = req.cseq;
  return [req.callId, req.fromTag ?? '', cseq.seq, cseq.method].join('\u0000');
}

/** §17.2.3 server transaction key: branch + sent-by + method; RFC 2543 fallback uses dialog identifiers. */
function serverKey(req: SipRequest, method: string): string {
  const via = req.via;
  const host = via.host.toLowerCase();
  const port = via.port ?? '';
  if (via.branch?.startsWith(BRANCH_COOKIE)) return [via.branch, host, port, method].join('\u0000');
  return ['2543', req.uri, req.fromTag ?? '', req.callId, req.cseq.seq, host, port, method].join('\u0000');
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
