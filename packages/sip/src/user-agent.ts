import { GwsimError, silentLogger, systemClock, TypedEmitter, type Clock, type Logger, type TimerHandle } from '@gwsim/common';
import { isIP } from 'node:net';
import { Dialog, dialogKey } from './dialog.ts';
import { answerMalformed } from './malformed.ts';
import { type SipRequest, type SipResponse } from './message.ts';
import { createRequest, createResponse, newBranch, newCallId, newTag, type ResponseInit } from './message-factory.ts';
import { TransactionLayer, type ServerTransaction } from './transaction-layer.ts';
import type { ClientTransactionUser } from './transactions/invite-client-transaction.ts';
import { InviteServerTransaction } from './transactions/invite-server-transaction.ts';
import type { TimerSettings } from './timers.ts';
import type { Transport, TransportAddress } from './transport.ts';
import { OutgoingInvite } from './uac-invite.ts';
import { IncomingInvite } from './uas-invite.ts';
import { validateRequest } from './uas-validate.ts';

export interface UserAgentOptions {
  transport: Transport;
  clock?: Clock;
  timers?: Partial<TimerSettings>;
  logger?: Logger;
  /** Product token for the User-Agent and Server headers. */
  product?: string;
  /** Host written into Via and Contact (defaults to the transport's local address). */
  advertisedHost?: string;
  /** User part of our Contact URI. */
  contactUser?: string;
  /** Option tags we support, checked against Require (§8.2.2.3). */
  supported?: string[];
  /** The application decides about every new INVITE (must progress, accept or reject it). Default: 480. */
  onInvite?: (invite: IncomingInvite) => void;
  /** Other out-of-dialog requests (REGISTER, OPTIONS, MESSAGE…); must call `respond`. Default: 405/200. */
  onRequest?: (request: IncomingRequest) => void;
}

export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: TransportAddress;
  respond(status: number, init?: Omit<ResponseInit, 'status'>): void;
}

export interface InviteOptions {
  /** Where to send the INVITE (already resolved, e.g. by RFC 3263). */
  destination: TransportAddress;
  /** Request-URI, e.g. `sip:1234567890123@vc.example.com`. */
  uri: string;
  /** From address (URI); a tag is added. */
  from: string;
  fromDisplayName?: string;
  /** To address; defaults to the Request-URI. */
  to?: string;
  body?: Buffer | string;
  contentType?: string;
  headers?: Array<[string, string]>;
}

export interface RequestOptions extends Omit<InviteOptions, 'body'> {
  method: string;
  body?: Buffer | string;
  cseq?: number;
  callId?: string;
}

export type UserAgentEvents = {
  dialog: [dialog: Dialog];
};

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER';

/**
 * A SIP user agent on one transport: UAC and UAS cores (RFC 3261 §8, §12–§15) over the transaction layer.
 * Applications decide through delegates (`onInvite`, `onRequest`) and observe through events.
 */
export class UserAgent extends TypedEmitter<UserAgentEvents> {
  readonly transport: Transport;
  readonly layer: TransactionLayer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly product: string;
  readonly host: string;
  #options: UserAgentOptions;
  #dialogs = new Map<string, Dialog>();
  #pendingInvites = new Map<string, IncomingInvite>();
  #closed = false;

  constructor(options: UserAgentOptions) {
    super();
    this.#options = options;
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.product = options.product ?? 'gwsim';
    this.host = options.advertisedHost ?? options.transport.local.address;
    this.layer = new TransactionLayer({ transport: options.transport, clock: this.clock, timers: options.timers });
    this.layer.setUser({
      onRequest: (req, tx, source) => this.#onRequest(req, tx, source),
      onStrayResponse: () => {},
    });
    this.transport.on('malformed', (err, raw, from) => {
      this.logger.debug('malformed message', { from: `${from.address}:${from.port}`, error: err.message });
      answerMalformed(err, raw, from, this.transport, this.product);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get hostPort(): string {
    const h = isIP(this.host) === 6 ? `[${this.host}]` : this.host;
    return `${h}:${this.transport.local.port}`;
  }

  get contact(): string {
    const user = this.#options.contactUser ? `${this.#options.contactUser}@` : '';
    const transport = this.transport.protocol === 'udp' ? '' : `;transport=${this.transport.protocol}`;
    return `<sip:${user}${this.hostPort}${transport}>`;
  }

  get dialogs(): Dialog[] {
    return [...this.#dialogs.values()];
  }

  buildVia(branch: string): string {
    return `SIP/2.0/${this.transport.protocol.toUpperCase()} ${this.hostPort};branch=${branch};rport`;
  }

  /** Send an INVITE; the returned object resolves `result` with the final answer. */
  invite(options: InviteOptions): OutgoingInvite {
    this.#assertOpen();
    const req = createRequest({
      method: 'INVITE',
      uri: options.uri,
      via: { transport: this.transport.protocol, host: this.hostPort.replace(/:\d+$/, ''), port: this.transport.local.port },
      from: `${options.fromDisplayName ? `"${options.fromDisplayName}" ` : ''}<${options.from}>;tag=${newTag()}`,
      to: `<${options.to ?? options.uri}>`,
      callId: newCallId(this.host),
      cseq: 1 + Math.floor(Math.random() * 1000),
      contact: this.contact,
      headers: [['User-Agent', this.product], ['Allow', ALLOW], ...(options.headers ?? [])],
      body: options.body,
      contentType: options.contentType,
    });
    const inv = new OutgoingInvite(req, options.destination, this.#uacHost());
    this.layer.sendRequest(req, options.destination, inv);
    return inv;
  }

  /** Send an out-of-dialog non-INVITE request (OPTIONS, REGISTER, MESSAGE…) and wait for its final response. */
  request(options: RequestOptions): Promise<SipResponse> {
    this.#assertOpen();
    const req = createRequest({
      method: options.method,
      uri: options.uri,
      via: { transport: this.transport.protocol, host: this.hostPort.replace(/:\d+$/, ''), port: this.transport.local.port },
      from: `${options.fromDisplayName ? `"${options.fromDisplayName}" ` : ''}<${options.from}>;tag=${newTag()}`,
      to: `<${options.to ?? options.uri}>`,
      callId: options.callId ?? newCallId(this.host),
      cseq: options.cseq ?? 1,
      contact: this.contact,
      headers: [['User-Agent', this.product], ...(options.headers ?? [])],
      body: options.body,
      contentType: options.contentType,
    });
    return this.#sendAndWait(req, options.destination);
  }

  #sendAndWait(req: SipRequest, to: TransportAddress): Promise<SipResponse> {
    return new Promise((resolve) => {
      this.layer.sendRequest(req, to, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
        onFailure: (kind) => resolve(createResponse(req, { status: kind === 'timeout' ? 408 : 503 })),
      });
    });
  }

  #uacHost() {
    return {
      now: () => this.clock.now(),
      sendRaw: (data: Buffer, to: TransportAddress) => this.transport.send(data, to),
      sendNonInvite: (request: SipRequest, to: TransportAddress, user: ClientTransactionUser) => {
        this.layer.sendRequest(request, to, user);
      },
      buildVia: (branch: string) => this.buildVia(branch),
      adopt: (d: Dialog) => this.#adopt(d),
      sendInDialog: (d: Dialog, method: string, o?: { headers?: Array<[string, string]>; body?: Buffer | string; contentType?: string }) => this.#sendInDialog(d, method, o),
      forget: (d: Dialog) => this.#dialogs.delete(d.id),
    };
  }

  #uasHost() {
    const t = this.layer.timers;
    return {
      ...this.#uacHost(),
      contact: this.contact,
      serverHeader: this.product,
      t1: t.T1,
      t2: t.T2,
      timerH: t.H,
      reliable: this.transport.reliable,
      setTimeout: (fn: () => void, ms: number): TimerHandle => this.clock.setTimeout(fn, ms),
    };
  }

  #adopt(dialog: Dialog): void {
    this.#dialogs.set(dialog.id, dialog);
    this.emit('dialog', dialog);
  }

  /** §12.2.1.1: requests within a dialog take Request-URI, Route, tags and CSeq from the dialog. */
  #sendInDialog(d: Dialog, method: string, o: { headers?: Array<[string, string]>; body?: Buffer | string; contentType?: string } = {}): Promise<SipResponse> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed'));
    d.localSeq += 1;
    const req = createRequest({
      method,
      uri: d.remoteTarget,
      via: { transport: this.transport.protocol, host: this.hostPort.replace(/:\d+$/, ''), port: this.transport.local.port, branch: newBranch() },
      from: withTag(d.localUri, d.localTag),
      to: withTag(d.remoteUri, d.remoteTag),
      callId: d.callId,
      cseq: d.localSeq,
      route: d.routeSet,
      headers: [['User-Agent', this.product], ...(o.headers ?? [])],
      body: o.body,
      contentType: o.contentType,
    });
    return this.#sendAndWait(req, d.peer);
  }

  #respond(tx: ServerTransaction, req: SipRequest, status: number, init: Omit<ResponseInit, 'status'> = {}): void {
    const toTag = init.toTag ?? (status > 100 ? newTag() : undefined);
    tx.respond(createResponse(req, { ...init, status, toTag, headers: [['Server', this.product], ...(init.headers ?? [])] }));
  }

  #onRequest(req: SipRequest, tx: ServerTransaction | null, source: TransportAddress): void {
    if (this.#closed) return;
    if (tx === null) {
      if (req.method === 'ACK') this.#onAck(req);
      else answerMalformed(new Error('unmatchable request (bad Via or CSeq)'), null, source, this.transport, this.product, req);
      return;
    }
    const invalid = validateRequest(req, this.#options.supported ?? []);
    if (invalid) {
      this.#respond(tx, req, invalid.status, { reason: invalid.reason, headers: invalid.headers });
      return;
    }
    if (req.toTag !== null) {
      this.#onInDialog(req, tx);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        return this.#onInvite(req, tx as InviteServerTransaction, source);
      case 'CANCEL':
        return this.#onCancel(req, tx);
      case 'BYE':
        return this.#respond(tx, req, 481);
      default: {
        const handler = this.#options.onRequest;
        if (handler) {
          handler({ request: req, source, respond: (status, init) => this.#respond(tx, req, status, init) });
        } else if (req.method === 'OPTIONS') {
          this.#respond(tx, req, 200, { headers: [['Allow', ALLOW], ['Accept', 'application/sdp']] });
        } else {
          this.#respond(tx, req, ALLOW.includes(req.method) ? 405 : 501, { headers: [['Allow', ALLOW]] });
        }
      }
    }
  }

  #onInvite(req: SipRequest, tx: InviteServerTransaction, source: TransportAddress): void {
    tx.respond(createResponse(req, { status: 100 }));
    const inv = new IncomingInvite(req, source, tx, this.#uasHost());
    const key = `${req.callId}\u0000${req.fromTag ?? ''}\u0000${req.cseq.seq}`;
    this.#pendingInvites.set(key, inv);
    tx.on('stateChange', (_f, to) => {
      if (to === 'terminated') this.#pendingInvites.delete(key);
    });
    const handler = this.#options.onInvite;
    if (!handler) {
      inv.reject(480, 'Temporarily Unavailable');
      return;
    }
    try {
      handler(inv);
    } catch (err) {
      this.logger.error('onInvite threw', { error: (err as Error).message });
      inv.reject(500, 'Server Internal Error');
    }
  }

  #onAck(req: SipRequest): void {
    let key: string;
    try {
      key = `${req.callId}\u0000${req.fromTag ?? ''}\u0000${req.cseq.seq}`;
    } catch {
      return;
    }
    this.#pendingInvites.get(key)?.receiveAck();
  }

  #onCancel(req: SipRequest, tx: ServerTransaction): void {
    const inviteTx = this.layer.findInviteFor(req);
    if (!inviteTx) return this.#respond(tx, req, 481);
    this.#respond(tx, req, 200, { toTag: undefined });
    const key = `${req.callId}\u0000${req.fromTag ?? ''}\u0000${req.cseq.seq}`;
    this.#pendingInvites.get(key)?.receiveCancel();
  }

  #onInDialog(req: SipRequest, tx: ServerTransaction): void {
    const dialog = this.#dialogs.get(dialogKey(req.callId, req.toTag!, req.fromTag ?? ''));
    if (!dialog) return this.#respond(tx, req, 481);
    if (dialog.remoteSeq !== null && req.cseq.seq <= dialog.remoteSeq && req.method !== 'ACK') {
      return this.#respond(tx, req, 500, { reason: 'CSeq Out Of Order', toTag: dialog.localTag }); // §12.2.2
    }
    if (req.method === 'INVITE') {
      dialog.remoteSeq = req.cseq.seq;
      return this.#respond(tx, req, 488, { reason: 'Re-INVITE Not Supported Yet', toTag: dialog.localTag });
    }
    this.#respond(tx, req, 200, { toTag: dialog.localTag });
    dialog.receiveRequest(req);
  }

  #assertOpen(): void {
    if (this.#closed) throw new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed');
  }

  /** Terminate dialogs and transactions (without signalling) and close the transport. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const inv of this.#pendingInvites.values()) inv.abort();
    for (const d of [...this.#dialogs.values()]) d.terminate({ by: 'local', cause: 'shutdown' });
    this.layer.close();
    await this.transport.close();
  }

  dump(): Record<string, unknown> {
    return { local: this.transport.local, protocol: this.transport.protocol, closed: this.#closed, dialogs: this.dialogs.map((d) => d.dump()), transactions: this.layer.sizes };
  }
}

function withTag(addr: string, tag: string): string {
  return /;\s*tag=/i.test(addr) ? addr : `${addr};tag=${tag}`;
}
