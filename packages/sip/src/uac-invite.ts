import { TypedEmitter } from '@gwsim/common';
import { contactTarget, Dialog, type DialogOwner } from './dialog.ts';
import { Headers } from './headers.ts';
import { SipRequest, type SipResponse } from './message.ts';
import { createResponse, newBranch } from './message-factory.ts';
import { serializeMessage } from './serializer.ts';
import type { ClientTransactionUser } from './transactions/invite-client-transaction.ts';
import type { TransportAddress } from './transport.ts';

export interface InviteResult {
  status: number;
  reason: string;
  /** The final response; synthesized (408/503) when the transaction timed out or the transport failed. */
  response: SipResponse;
  /** Set for 2xx: the confirmed dialog (the ACK has been sent). */
  dialog: Dialog | null;
  /** Milliseconds from sending the INVITE to the final response. */
  setupMs: number;
  /** Whether the final response was synthesized locally (§8.1.3.1) rather than received. */
  local: boolean;
}

export type OutgoingInviteEvents = {
  provisional: [response: SipResponse];
};

/** What the UAC side of an INVITE needs from its UserAgent. */
export interface UacHost extends DialogOwner {
  now(): number;
  sendRaw(data: Buffer, to: TransportAddress): Promise<void>;
  sendNonInvite(request: SipRequest, to: TransportAddress, user: ClientTransactionUser): void;
  buildVia(branch: string): string;
  adopt(dialog: Dialog): void;
}

/**
 * An INVITE we sent (UAC core, RFC 3261 §13.2): provisional responses are events, the final answer
 * resolves `result`; on 2xx the dialog is created and the ACK sent (and re-sent for 2xx retransmissions).
 */
export class OutgoingInvite extends TypedEmitter<OutgoingInviteEvents> implements ClientTransactionUser {
  readonly request: SipRequest;
  readonly destination: TransportAddress;
  readonly result: Promise<InviteResult>;
  #host: UacHost;
  #resolve!: (r: InviteResult) => void;
  #started: number;
  #done = false;
  #gotProvisional = false;
  #cancelWanted = false;
  #ackRaw: Buffer | null = null;
  #dialog: Dialog | null = null;

  constructor(request: SipRequest, destination: TransportAddress, host: UacHost) {
    super();
    this.request = request;
    this.destination = destination;
    this.#host = host;
    this.#started = host.now();
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  onResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (res.status > 100) this.emit('provisional', res);
      if (!this.#gotProvisional) {
        this.#gotProvisional = true;
        if (this.#cancelWanted) this.#sendCancel();
      }
      return;
    }
    if (res.status < 300) {
      if (this.#dialog && res.toTag === this.#dialog.remoteTag) {
        if (this.#ackRaw) void this.#host.sendRaw(this.#ackRaw, this.#dialog.peer).catch(() => {}); // 2xx retransmission
        return;
      }
      if (this.#done) return; // a second forked 2xx: out of scope for a UA talking to one UAS
      this.#dialog = this.#createDialog(res);
      this.#host.adopt(this.#dialog);
      this.#sendAck(res, this.#dialog);
      this.#finish(res, this.#dialog, false);
      return;
    }
    this.#finish(res, null, false);
  }

  onFailure(kind: 'timeout' | 'transport'): void {
    const status = kind === 'timeout' ? 408 : 503;
    const res = createResponse(this.request, { status, reason: kind === 'timeout' ? 'Request Timeout' : 'Service Unavailable' });
    this.#finish(res, null, true);
  }

  /** §9.1: CANCEL once a provisional response has arrived (deferred until then). */
  cancel(): void {
    if (this.#done || this.#cancelWanted) return;
    this.#cancelWanted = true;
    if (this.#gotProvisional) this.#sendCancel();
  }

  #sendCancel(): void {
    const h = new Headers();
    h.append('Via', this.request.headers.getAll('Via')[0]!);
    for (const r of this.request.headers.getAll('Route')) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', this.request.headers.get('From')!);
    h.append('To', this.request.headers.get('To')!);
    h.append('Call-ID', this.request.callId);
    h.append('CSeq', `${this.request.cseq.seq} CANCEL`);
    const cancel = new SipRequest({ method: 'CANCEL', uri: this.request.uri, headers: h });
    this.#host.sendNonInvite(cancel, this.destination, { onResponse: () => {}, onFailure: () => {} });
  }

  #createDialog(res: SipResponse): Dialog {
    const req = this.request;
    return new Dialog({
      role: 'uac',
      callId: req.callId,
      localTag: req.fromTag ?? '',
      remoteTag: res.toTag ?? '',
      localUri: req.headers.get('From')!,
      remoteUri: res.headers.get('To')!,
      remoteTarget: contactTarget(res) ?? req.uri,
      routeSet: res.headers.getAll('Record-Route').reverse(),
      localSeq: req.cseq.seq,
      remoteSeq: null,
      flow: this.destination,
      owner: this.#host,
    });
  }

  /** §13.2.2.4: the ACK for a 2xx is its own transaction (new branch), sent by the UAC core. */
  #sendAck(res: SipResponse, dialog: Dialog): void {
    const h = new Headers();
    h.append('Via', this.#host.buildVia(newBranch()));
    for (const r of dialog.routeSet) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', this.request.headers.get('From')!);
    h.append('To', res.headers.get('To')!);
    h.append('Call-ID', this.request.callId);
    h.append('CSeq', `${this.request.cseq.seq} ACK`);
    const ack = new SipRequest({ method: 'ACK', uri: dialog.remoteTarget, headers: h });
    this.#ackRaw = serializeMessage(ack);
    void this.#host.sendRaw(this.#ackRaw, dialog.peer).catch(() => {});
  }

  #finish(res: SipResponse, dialog: Dialog | null, local: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve({ status: res.status, reason: res.reason, response: res, dialog, setupMs: this.#host.now() - this.#started, local });
  }
}
