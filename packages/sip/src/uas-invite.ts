import { GwsimError, TypedEmitter, type Clock, type TimerHandle } from '@gwsim/common';
import { contactTarget, Dialog, type DialogDelegate, type DialogOwner } from './dialog.ts';
import type { SipRequest } from './message.ts';
import { createResponse, newTag, type ResponseInit } from './message-factory.ts';
import { serializeMessage } from './serializer.ts';
import type { DerivedTimers } from './timers.ts';
import type { InviteServerTransaction } from './transactions/invite-server-transaction.ts';
import type { TransportAddress } from './transport.ts';

export type IncomingInviteState = 'pending' | 'accepting' | 'accepted' | 'rejected' | 'cancelled';

export type IncomingInviteEvents = {
  /** The caller sent CANCEL before we answered; a 487 has already been sent. */
  cancelled: [];
};

/** Something waiting for the ACK of a 2xx we sent (keyed by Call-ID, remote tag and CSeq number). */
export interface AckWaiter {
  receiveAck(ack: SipRequest): void;
}

/** What the UAS side of an INVITE needs from its UserAgent. */
export interface UasHost extends DialogOwner {
  readonly contact: string;
  readonly serverHeader: string;
  readonly timers: DerivedTimers;
  readonly reliable: boolean;
  readonly clock: Clock;
  /** Delegate given to new dialogs (the application may replace it per dialog). */
  readonly dialogDelegate: DialogDelegate | undefined;
  sendRaw(data: Buffer, to: TransportAddress): Promise<void>;
  adopt(dialog: Dialog): void;
  /** Register (or with null, remove) the waiter for the ACK matching `key` (see `ackKey`). */
  awaitAck(key: string, waiter: AckWaiter | null): void;
  /** The invite left the pending state (final response sent, cancelled or aborted). */
  settled(invite: IncomingInvite): void;
  report(error: unknown, where: string): void;
}

/** Key under which the ACK of a 2xx is matched: Call-ID, the From tag (the peer's) and the CSeq number. */
export function ackKey(callId: string, fromTag: string, cseq: number): string {
  return `${callId}\u0000${fromTag}\u0000${cseq}`;
}

export type RetransmitHost = Pick<UasHost, 'clock' | 'timers' | 'reliable' | 'sendRaw' | 'report'>;

/**
 * §13.3.1.4: retransmit a 2xx to INVITE at T1, 2T1, … capped at T2 until the ACK arrives, and give up
 * after 64*T1. One timer at a time; on a reliable transport only the give-up timer runs.
 */
export class TwoXxRetransmitter {
  readonly #host: RetransmitHost;
  readonly #raw: Buffer;
  readonly #to: TransportAddress;
  readonly #onTimeout: () => void;
  readonly #deadline: number;
  #interval: number;
  #timer: TimerHandle | null = null;
  #done = false;

  constructor(host: RetransmitHost, raw: Buffer, to: TransportAddress, onTimeout: () => void) {
    this.#host = host;
    this.#raw = raw;
    this.#to = to;
    this.#onTimeout = onTimeout;
    this.#interval = host.timers.T1;
    this.#deadline = host.clock.now() + host.timers.H;
    this.#arm(host.reliable ? host.timers.H : this.#interval);
  }

  #arm(ms: number): void {
    this.#timer = this.#host.clock.setTimeout(() => this.#fire(), Math.max(0, ms));
  }

  #fire(): void {
    this.#timer = null;
    if (this.#done) return;
    try {
      const left = this.#deadline - this.#host.clock.now();
      if (left <= 0) {
        this.#done = true;
        this.#onTimeout();
        return;
      }
      void this.#host.sendRaw(this.#raw, this.#to).catch(() => {});
      this.#interval = Math.min(this.#interval * 2, this.#host.timers.T2);
      this.#arm(this.#host.reliable ? left : Math.min(this.#interval, left));
    } catch (err) {
      this.#host.report(err, '2xx retransmission timer');
    }
  }

  stop(): void {
    this.#done = true;
    this.#timer?.cancel();
    this.#timer = null;
  }
}

export interface AcceptOptions {
  body?: Buffer | string;
  contentType?: string;
  headers?: Array<[string, string]>;
}

/**
 * A received INVITE awaiting the application's decision (delegate pattern: the application must call
 * `progress`, `accept` or `reject`). Implements the UAS core's 2xx retransmission (§13.3.1.4).
 */
export class IncomingInvite extends TypedEmitter<IncomingInviteEvents> implements AckWaiter {
  readonly request: SipRequest;
  readonly source: TransportAddress;
  readonly localTag = newTag();
  readonly #tx: InviteServerTransaction;
  readonly #host: UasHost;
  #state: IncomingInviteState = 'pending';
  #dialog: Dialog | null = null;
  #ack: { resolve: (d: Dialog) => void; reject: (e: Error) => void; retransmitter: TwoXxRetransmitter; key: string } | null = null;

  constructor(request: SipRequest, source: TransportAddress, tx: InviteServerTransaction, host: UasHost) {
    super();
    this.request = request;
    this.source = source;
    this.#tx = tx;
    this.#host = host;
    tx.localTag = this.localTag;
  }

  get state(): IncomingInviteState {
    return this.#state;
  }

  get dialog(): Dialog | null {
    return this.#dialog;
  }

  /** @internal The server transaction (the UA matches CANCEL through it). */
  get transaction(): InviteServerTransaction {
    return this.#tx;
  }

  /** Send a provisional response (180 Ringing, 183 Session Progress with early media…). */
  progress(status = 180, init: Omit<ResponseInit, 'status' | 'toTag'> = {}): void {
    if (this.#state !== 'pending') return;
    if (status <= 100 || status >= 200) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `progress() needs a 101-199 status, got ${status}`);
    this.#tx.respond(createResponse(this.request, { ...init, status, toTag: this.localTag, headers: [['Contact', this.#host.contact], ...(init.headers ?? [])] }));
  }

  /** Final non-2xx answer. */
  reject(status: number, reason?: string, headers: Array<[string, string]> = []): void {
    if (this.#state !== 'pending') return;
    if (status < 300 || status > 699) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `reject() needs a 300-699 status, got ${status}`);
    this.#state = 'rejected';
    this.#tx.respond(createResponse(this.request, { status, reason, toTag: this.localTag, headers: [['Server', this.#host.serverHeader], ...headers] }));
    this.#host.settled(this);
  }

  /**
   * Answer 200 OK and create the dialog. Resolves when the ACK arrives (or when the caller's BYE overtakes
   * it); rejects with GWSIM_ERR_TIMEOUT when none arrives within 64*T1, after sending BYE (§13.3.1.4).
   * The returned promise is already marked handled: ignoring it cannot crash the process.
   */
  accept(options: AcceptOptions = {}): Promise<Dialog> {
    if (this.#state !== 'pending') return Promise.reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `cannot accept an INVITE in state ${this.#state}`));
    this.#state = 'accepting';
    const req = this.request;
    const res = createResponse(req, {
      status: 200,
      toTag: this.localTag,
      body: options.body,
      contentType: options.contentType,
      headers: [['Contact', this.#host.contact], ['Server', this.#host.serverHeader], ...(options.headers ?? [])],
    });
    const host = this.#host;
    const dialog = new Dialog({
      role: 'uas',
      callId: req.callId,
      localTag: this.localTag,
      remoteTag: req.fromTag ?? '',
      localUri: req.headers.get('To')!,
      remoteUri: req.headers.get('From')!,
      remoteTarget: () => contactTarget(req) ?? `sip:${this.source.address}:${this.source.port}`,
      routeSet: req.headers.getAll('Record-Route'),
      localSeq: Math.floor(Math.random() * 10_000) + 1,
      remoteSeq: req.cseq.seq,
      flow: this.source,
      owner: host,
      localBody: res.body,
      remoteBody: req.body,
      delegate: host.dialogDelegate,
    });
    this.#dialog = dialog;
    host.adopt(dialog);
    const raw = serializeMessage(res);
    const key = ackKey(dialog.callId, dialog.remoteTag, req.cseq.seq);
    const promise = new Promise<Dialog>((resolve, reject) => {
      const retransmitter = new TwoXxRetransmitter(host, raw, this.#tx.responseTo, () => this.#ackTimeout());
      this.#ack = { resolve, reject, retransmitter, key };
    });
    promise.catch(() => {});
    host.awaitAck(key, this);
    host.settled(this);
    // The caller's BYE can overtake a lost ACK: the call happened, so stop retransmitting and resolve.
    dialog.once('terminated', (r) => {
      if (r.by === 'remote') this.#settleAck();
    });
    this.#tx.sendResponse(res, raw);
    return promise;
  }

  #ackTimeout(): void {
    const pending = this.#ack;
    const dialog = this.#dialog;
    if (!pending || !dialog) return;
    this.#ack = null;
    this.#host.awaitAck(pending.key, null);
    this.#state = 'rejected';
    if (dialog.state !== 'terminated') void dialog.bye([['Reason', 'SIP;cause=408;text="ACK not received"']]).catch(() => {});
    dialog.terminate({ by: 'local', cause: 'ack-timeout' });
    pending.reject(new GwsimError('GWSIM_ERR_TIMEOUT', `no ACK for 200 OK to INVITE ${this.request.callId} within ${this.#host.timers.H} ms`));
  }

  #settleAck(): void {
    const pending = this.#ack;
    if (!pending || !this.#dialog) return;
    this.#ack = null;
    pending.retransmitter.stop();
    this.#host.awaitAck(pending.key, null);
    this.#state = 'accepted';
    pending.resolve(this.#dialog);
  }

  /** @internal The UA routed the 2xx ACK here. */
  receiveAck(ack: SipRequest): void {
    if (this.#dialog && ack.body.length && !this.request.body.length) this.#dialog.remoteBody = ack.body; // late offer answered in the ACK
    this.#settleAck();
  }

  /** @internal CANCEL matched this INVITE (§9.2): answer 487 if still pending. */
  receiveCancel(): boolean {
    if (this.#state !== 'pending') return false;
    this.#state = 'cancelled';
    this.#tx.respond(createResponse(this.request, { status: 487, toTag: this.localTag }));
    this.#host.settled(this);
    this.emit('cancelled');
    return true;
  }

  /** @internal UA shutdown. */
  abort(): void {
    const pending = this.#ack;
    if (pending) {
      this.#ack = null;
      pending.retransmitter.stop();
      pending.reject(new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed'));
    }
  }
}

