import { GwsimError, TypedEmitter } from '@gwsim/common';
import { isStaleChallenge, type DigestClient } from './digest-auth.ts';
import { contactTarget, Dialog, type DialogDelegate, type DialogOwner } from './dialog.ts';
import { Headers } from './headers.ts';
import { SipRequest, type SipResponse } from './message.ts';
import { cloneRequest, createAckFor2xx, newBranch } from './message-factory.ts';
import { serializeMessage } from './serializer.ts';
import { isFailover, type SendAttempt, type SipTarget } from './target-resolver.ts';
import type { ClientTransactionUser } from './transactions/invite-client-transaction.ts';
import type { TransportAddress } from './transport.ts';
import { localResponse } from './uac-request.ts';

export interface InviteResult {
  status: number;
  reason: string;
  /** The final response; synthesized (408/503) when the transaction timed out or the transport failed. */
  response: SipResponse;
  /** Set for 2xx: the confirmed dialog (the ACK has been sent). */
  dialog: Dialog | null;
  /** Milliseconds from sending the first INVITE to the final response. */
  setupMs: number;
  /** Whether the final response was synthesized locally (§8.1.3.1) rather than received. */
  local: boolean;
  /** Every target tried, in order (RFC 3263 §4.3 failover and digest retries). */
  attempts: SendAttempt[];
}

export type OutgoingInviteEvents = {
  provisional: [response: SipResponse];
};

/** What the UAC side of an INVITE needs from its UserAgent. */
export interface UacHost extends DialogOwner {
  now(): number;
  sendRaw(data: Buffer, to: TransportAddress): Promise<void>;
  /** Start a client transaction (INVITE or non-INVITE). */
  sendRequest(request: SipRequest, to: TransportAddress, user: ClientTransactionUser): void;
  canSend(target: SipTarget): boolean;
  buildVia(branch: string): string;
  adopt(dialog: Dialog): void;
  readonly dialogDelegate: DialogDelegate | undefined;
}

/**
 * An INVITE we sent (UAC core, RFC 3261 §13.2): provisional responses are events, the final answer
 * resolves `result`; on 2xx the dialog is created and the ACK sent (and re-sent for 2xx retransmissions).
 * Walks the target list on timeout, transport failure or 503 (RFC 3263 §4.3) and answers one digest
 * challenge (§22.2). `result` rejects only when no target could be resolved.
 */
export class OutgoingInvite extends TypedEmitter<OutgoingInviteEvents> {
  readonly result: Promise<InviteResult>;
  readonly #host: UacHost;
  readonly #auth: DigestClient | null;
  #request: SipRequest;
  #destination: TransportAddress | null = null;
  #resolve!: (r: InviteResult) => void;
  #reject!: (e: Error) => void;
  #started: number;
  #attempt = 0;
  #attempts: SendAttempt[] = [];
  #targets: SipTarget[] = [];
  #index = 0;
  #authTries = 0;
  #done = false;
  #gotProvisional = false;
  #cancelWanted = false;
  #cancelHeaders: Array<[string, string]> = [];
  #ackRaw: Buffer | null = null;
  #dialog: Dialog | null = null;

  constructor(request: SipRequest, host: UacHost, options: { auth?: DigestClient | null } = {}) {
    super();
    this.#request = request;
    this.#host = host;
    this.#auth = options.auth ?? null;
    this.#started = host.now();
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.result.catch(() => {}); // handled: a caller who only listens to events cannot crash the process
  }

  /** The INVITE as last sent (a failover or digest retry sends a new transaction). */
  get request(): SipRequest {
    return this.#request;
  }

  /** Where the current attempt went (null before the targets are resolved). */
  get destination(): TransportAddress | null {
    return this.#destination;
  }

  /** @internal Begin with the resolved target list. */
  start(targets: Promise<readonly SipTarget[]>): void {
    targets.then(
      (list) => {
        if (this.#done) return;
        this.#targets = list.filter((t) => this.#host.canSend(t));
        if (!this.#targets.length) {
          this.#finish(localResponse(this.#request, 'no-target', list.length ? 'no transport for any target' : 'no target'), null, true);
          return;
        }
        this.#send();
      },
      (err: unknown) => {
        if (this.#done) return;
        this.#done = true;
        this.#reject(err instanceof GwsimError ? err : new GwsimError('GWSIM_ERR_DNS', `cannot resolve ${this.#request.uri}: ${(err as Error)?.message ?? String(err)}`, { cause: err }));
      },
    );
  }

  #send(): void {
    const id = ++this.#attempt;
    const target = this.#targets[this.#index]!;
    this.#destination = { address: target.address, port: target.port };
    this.#gotProvisional = false;
    this.#host.sendRequest(this.#request, this.#destination, {
      onResponse: (res) => {
        if (id === this.#attempt) this.#onResponse(res, target);
      },
      onFailure: (kind) => {
        if (id === this.#attempt) this.#onFinal(localResponse(this.#request, kind), target, true);
      },
      detach: () => this.#retransmissionUser(),
    });
  }

  /**
   * What the Accepted INVITE transaction keeps for Timer M (RFC 6026 §7.2): re-send our ACK for a
   * retransmitted 2xx of this dialog — the ACK bytes, the peer and the tag, not this whole call.
   */
  #retransmissionUser(): ClientTransactionUser {
    const ack = this.#ackRaw;
    const dialog = this.#dialog;
    if (!ack || !dialog) return { onResponse: () => {}, onFailure: () => {} };
    const { remoteTag, peer } = dialog;
    const host = this.#host;
    return {
      onResponse: (res) => {
        // A 2xx from another fork is out of scope.
        if (res.status >= 200 && res.status < 300 && res.toTag === remoteTag) void host.sendRaw(ack, peer).catch(() => {});
      },
      onFailure: () => {},
    };
  }

  #onResponse(res: SipResponse, target: SipTarget): void {
    if (res.status < 200) {
      if (res.status > 100) this.emit('provisional', res);
      if (!this.#gotProvisional) {
        this.#gotProvisional = true;
        if (this.#cancelWanted && !this.#done) this.#sendCancel();
      }
      return;
    }
    if (res.status < 300) {
      if (this.#dialog) {
        // A retransmitted 2xx (RFC 6026 Accepted): re-send the ACK. A 2xx from another fork is out of scope.
        if (res.toTag === this.#dialog.remoteTag && this.#ackRaw) void this.#host.sendRaw(this.#ackRaw, this.#dialog.peer).catch(() => {});
        return;
      }
      if (this.#done) return;
      this.#attempts.push({ target, status: res.status, reason: res.reason, local: false });
      this.#dialog = this.#createDialog(res);
      this.#host.adopt(this.#dialog);
      this.#sendAck(res, this.#dialog);
      this.#finish(res, this.#dialog, false);
      return;
    }
    this.#onFinal(res, target, false);
  }

  #onFinal(res: SipResponse, target: SipTarget, local: boolean): void {
    if (this.#done) return;
    this.#attempts.push({ target, status: res.status, reason: res.reason, local });
    if (!this.#cancelWanted) {
      if ((res.status === 401 || res.status === 407) && this.#auth && this.#authTries < 2 && (this.#authTries === 0 || isStaleChallenge(res))) {
        const header = this.#auth.authorize(this.#request, res);
        if (header) {
          this.#authTries++;
          this.#request = cloneRequest(this.#request, { cseq: this.#request.cseq.seq + 1, set: [header] });
          this.#send();
          return;
        }
      }
      if (isFailover(res.status, local) && this.#index + 1 < this.#targets.length) {
        this.#index++;
        // A new transaction with a higher CSeq: if two targets are one server, it must not see a merged request (§8.2.2.2).
        this.#request = cloneRequest(this.#request, { cseq: this.#request.cseq.seq + 1 });
        this.#send();
        return;
      }
    }
    this.#finish(res, null, local);
  }

  /**
   * §9.1: CANCEL the INVITE once a provisional response has arrived (deferred until then). Extra headers
   * (e.g. a Reason, RFC 3326) go on the CANCEL.
   */
  cancel(headers: Array<[string, string]> = []): void {
    if (this.#done || this.#cancelWanted) return;
    this.#cancelWanted = true;
    this.#cancelHeaders = headers;
    if (this.#gotProvisional) this.#sendCancel();
  }

  #sendCancel(): void {
    const req = this.#request;
    const h = new Headers();
    h.append('Via', req.headers.getAll('Via')[0]!);
    for (const r of req.headers.getAll('Route')) h.append('Route', r);
    h.append('Max-Forwards', '70');
    h.append('From', req.headers.get('From')!);
    h.append('To', req.headers.get('To')!);
    h.append('Call-ID', req.callId);
    h.append('CSeq', `${req.cseq.seq} CANCEL`);
    for (const [k, v] of this.#cancelHeaders) h.append(k, v);
    const cancel = new SipRequest({ method: 'CANCEL', uri: req.uri, headers: h });
    this.#host.sendRequest(cancel, this.#destination!, { onResponse: () => {}, onFailure: () => {} });
  }

  #createDialog(res: SipResponse): Dialog {
    const req = this.#request;
    return new Dialog({
      role: 'uac',
      callId: req.callId,
      localTag: req.fromTag ?? '',
      remoteTag: res.toTag ?? '',
      localUri: req.headers.get('From')!,
      remoteUri: res.headers.get('To')!,
      remoteTarget: () => contactTarget(res) ?? req.uri,
      routeSet: res.headers.getAll('Record-Route').reverse(),
      localSeq: req.cseq.seq,
      remoteSeq: null,
      flow: this.#destination!,
      owner: this.#host,
      localBody: req.body,
      remoteBody: res.body,
      delegate: this.#host.dialogDelegate,
      auth: this.#auth,
    });
  }

  /** §13.2.2.4: the ACK for a 2xx is its own transaction (new branch), sent by the UAC core. */
  #sendAck(res: SipResponse, dialog: Dialog): void {
    const ack = createAckFor2xx({ via: this.#host.buildVia(newBranch()), routeSet: dialog.routeSet, remoteTarget: dialog.remoteTarget, invite: this.#request, response: res });
    this.#ackRaw = serializeMessage(ack);
    void this.#host.sendRaw(this.#ackRaw, dialog.peer).catch(() => {});
  }

  #finish(res: SipResponse, dialog: Dialog | null, local: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve({ status: res.status, reason: res.reason, response: res, dialog, setupMs: this.#host.now() - this.#started, local, attempts: this.#attempts });
  }
}
