import { GwsimError, TypedEmitter, type TimerHandle } from '@gwsim/common';
import { contactTarget, Dialog, type DialogOwner } from './dialog.ts';
import type { SipRequest } from './message.ts';
import { createResponse, newTag, type ResponseInit } from './message-factory.ts';
import { serializeMessage } from './serializer.ts';
import type { InviteServerTransaction } from './transactions/invite-server-transaction.ts';
import type { TransportAddress } from './transport.ts';

export type IncomingInviteState = 'pending' | 'accepting' | 'accepted' | 'rejected' | 'cancelled';

export type IncomingInviteEvents = {
  /** The caller sent CANCEL before we answered; a 487 has already been sent. */
  cancelled: [];
};

/** What the UAS side of an INVITE needs from its UserAgent. */
export interface UasHost extends DialogOwner {
  readonly contact: string;
  readonly serverHeader: string;
  readonly t1: number;
  readonly t2: number;
  readonly timerH: number;
  readonly reliable: boolean;
  sendRaw(data: Buffer, to: TransportAddress): Promise<void>;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  adopt(dialog: Dialog): void;
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
export class IncomingInvite extends TypedEmitter<IncomingInviteEvents> {
  readonly request: SipRequest;
  readonly source: TransportAddress;
  readonly localTag = newTag();
  #tx: InviteServerTransaction;
  #host: UasHost;
  #state: IncomingInviteState = 'pending';
  #dialog: Dialog | null = null;
  #ack: { resolve: (d: Dialog) => void; reject: (e: Error) => void; timers: TimerHandle[] } | null = null;

  constructor(request: SipRequest, source: TransportAddress, tx: InviteServerTransaction, host: UasHost) {
    super();
    this.request = request;
    this.source = source;
    this.#tx = tx;
    this.#host = host;
  }

  get state(): IncomingInviteState {
    return this.#state;
  }

  get dialog(): Dialog | null {
    return this.#dialog;
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
  }

  /**
   * Answer 200 OK and create the dialog. Resolves when the ACK arrives; rejects when none arrives within
   * 64*T1, after sending BYE (§13.3.1.4).
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
    const dialog = new Dialog({
      role: 'uas',
      callId: req.callId,
      localTag: this.localTag,
      remoteTag: req.fromTag ?? '',
      localUri: req.headers.get('To')!,
      remoteUri: req.headers.get('From')!,
      remoteTarget: contactTarget(req) ?? req.from.uri.host,
      routeSet: req.headers.getAll('Record-Route'),
      localSeq: Math.floor(Math.random() * 10_000) + 1,
      remoteSeq: req.cseq.seq,
      flow: this.source,
      owner: this.#host,
    });
    this.#dialog = dialog;
    this.#host.adopt(dialog);
    this.#tx.respond(res);
    const raw = serializeMessage(res);
    return new Promise<Dialog>((resolve, reject) => {
      const timers: TimerHandle[] = [];
      this.#ack = { resolve, reject, timers };
      let interval = this.#host.t1;
      const retransmit = () => {
        if (!this.#ack) return;
        void this.#host.sendRaw(raw, this.#tx.responseTo).catch(() => {});
        interval = Math.min(interval * 2, this.#host.t2);
        timers.push(this.#host.setTimeout(retransmit, interval));
      };
      if (!this.#host.reliable) timers.push(this.#host.setTimeout(retransmit, interval));
      timers.push(
        this.#host.setTimeout(() => {
          if (!this.#ack) return;
          this.#ack = null;
          for (const t of timers) t.cancel();
          this.#state = 'rejected';
          void dialog.bye().catch(() => {});
          dialog.terminate({ by: 'local', cause: 'ack-timeout' });
          reject(new GwsimError('GWSIM_ERR_TIMEOUT', `no ACK for 200 OK to INVITE ${req.callId} within ${this.#host.timerH} ms`));
        }, this.#host.timerH),
      );
    });
  }

  /** @internal The UA routed the 2xx ACK here. */
  receiveAck(): void {
    if (!this.#ack || !this.#dialog) return;
    const { resolve, timers } = this.#ack;
    this.#ack = null;
    for (const t of timers) t.cancel();
    this.#state = 'accepted';
    resolve(this.#dialog);
  }

  /** @internal CANCEL matched this INVITE (§9.2): answer 487 if still pending. */
  receiveCancel(): boolean {
    if (this.#state !== 'pending') return false;
    this.#state = 'cancelled';
    this.#tx.respond(createResponse(this.request, { status: 487, toTag: this.localTag }));
    this.emit('cancelled');
    return true;
  }

  /** @internal UA shutdown. */
  abort(): void {
    if (this.#ack) {
      for (const t of this.#ack.timers) t.cancel();
      this.#ack.reject(new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed'));
      this.#ack = null;
    }
  }
}
