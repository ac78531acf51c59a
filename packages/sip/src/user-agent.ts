import { GwsimError, silentLogger, systemClock, TypedEmitter, type Clock, type Logger } from '@gwsim/common';
import { isIP } from 'node:net';
import { DigestClient } from './digest-auth.ts';
import { Dialog, dialogKey, type DialogRequestOptions, type ReinviteOptions } from './dialog.ts';
import { SipError } from './errors.ts';
import { answerMalformed } from './malformed.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { createRequest, createResponse, newBranch, newCallId, newTag, type ResponseInit } from './message-factory.ts';
import { runMiddleware, type IncomingRequest, type Middleware, type MiddlewareEntry, type SendOptions, type ServerResponse } from './middleware.ts';
import { RegisterClient, type RegisterClientOptions } from './register-client.ts';
import { numericResolver, targetOf, targetRequestFor, type SipTarget } from './target-resolver.ts';
import type { DerivedTimers } from './timers.ts';
import { TimerWheel } from './timer-wheel.ts';
import { TransactionLayer, type ServerTransaction } from './transaction-layer.ts';
import { InviteServerTransaction } from './transactions/invite-server-transaction.ts';
import type { Transport, TransportAddress } from './transport.ts';
import { sendInDialog, sendReinvite, type InDialogClientHost } from './uac-dialog.ts';
import { OutgoingInvite, type UacHost } from './uac-invite.ts';
import { sendNonInvite, type UacOutcome } from './uac-request.ts';
import { handleInDialog, type InDialogServerHost } from './uas-dialog.ts';
import { ackKey, IncomingInvite, type AckWaiter, type UasHost } from './uas-invite.ts';
import { validateRequest } from './uas-validate.ts';
import type { Destination, InviteOptions, RequestOptions, UserAgentEvents, UserAgentOptions } from './user-agent-types.ts';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER';

/**
 * A SIP user agent on one transport: UAC and UAS cores (RFC 3261 §8, §12–§15) over the transaction layer.
 * Applications decide through middleware (`use`) and delegates (`onInvite`, `onRequest`, dialog
 * delegates) and observe through events. Parents own children: `close()` ends dialogs, registrations and
 * transactions, then the transport.
 */
export class UserAgent extends TypedEmitter<UserAgentEvents> {
  readonly transport: Transport;
  readonly layer: TransactionLayer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly product: string;
  readonly host: string;
  readonly hostPort: string;
  readonly contact: string;
  readonly #options: UserAgentOptions;
  readonly #dialogs = new Map<string, Dialog>();
  /** INVITE server transactions a CANCEL can still stop (initial INVITEs and re-INVITEs not yet answered). */
  readonly #cancellable = new Map<InviteServerTransaction, () => void>();
  /** Who waits for the ACK of a 2xx we sent, by `ackKey`. */
  readonly #acks = new Map<string, AckWaiter>();
  readonly #pendingInvites = new Set<IncomingInvite>();
  readonly #middleware: MiddlewareEntry[] = [];
  readonly #registrations = new Set<RegisterClient>();
  readonly #uas: UasHost & UacHost;
  readonly #inDialogServer: InDialogServerHost;
  readonly #inDialogClient: InDialogClientHost;
  #closed = false;

  constructor(options: UserAgentOptions) {
    super();
    this.#options = options;
    this.transport = options.transport;
    this.clock = options.clock ?? new TimerWheel(systemClock);
    this.logger = options.logger ?? silentLogger;
    this.product = options.product ?? 'gwsim';
    this.host = options.advertisedHost ?? options.transport.local.address;
    this.hostPort = `${isIP(this.host) === 6 ? `[${this.host}]` : this.host}:${this.transport.local.port}`;
    const user = options.contactUser ? `${options.contactUser}@` : '';
    this.contact = `<sip:${user}${this.hostPort}${this.transport.protocol === 'udp' ? '' : `;transport=${this.transport.protocol}`}>`;
    this.layer = new TransactionLayer({ transport: options.transport, clock: this.clock, timers: options.timers, logger: this.logger });
    for (const mw of options.middleware ?? []) this.use(mw);
    const report = (error: unknown, where: string) => this.logger.error('exception caught', { where, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    const timers = this.layer.timers;
    // One host object each, built once (not per call): the cores reach the UA only through these.
    this.#uas = {
      contact: this.contact,
      serverHeader: this.product,
      timers,
      reliable: this.transport.reliable,
      clock: this.clock,
      dialogDelegate: options.dialogDelegate,
      now: () => this.clock.now(),
      sendRaw: (data, to) => this.transport.send(data, to),
      sendRequest: (req, to, user) => void this.layer.sendRequest(req, to, user),
      canSend: (t) => this.#canSend(t),
      buildVia: (branch) => this.buildVia(branch),
      adopt: (d) => this.#adopt(d),
      forget: (d) => void this.#dialogs.delete(d.id),
      sendInDialog: (d, method, o) => this.#sendInDialog(d, method, o),
      sendReinvite: (d, o) => this.#sendReinvite(d, o),
      awaitAck: (key, waiter) => void (waiter ? this.#acks.set(key, waiter) : this.#acks.delete(key)),
      settled: (inv) => {
        this.#pendingInvites.delete(inv);
        this.#cancellable.delete(inv.transaction);
      },
      report,
    };
    this.#inDialogServer = {
      ...pick(this.#uas, timers),
      respond: (tx, req, status, init) => this.#respond(tx, req, status, init),
      awaitAck: this.#uas.awaitAck,
      cancellable: (tx, fn) => void (fn ? this.#cancellable.set(tx, fn) : this.#cancellable.delete(tx)),
    };
    this.#inDialogClient = {
      protocol: this.transport.protocol,
      clock: this.clock,
      sendRequest: this.#uas.sendRequest,
      canSend: this.#uas.canSend,
      buildVia: this.#uas.buildVia,
      sendRaw: this.#uas.sendRaw,
      report,
      buildInDialog: (d, method, o) => this.#buildInDialog(d, method, o),
    };
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

  get dialogs(): Dialog[] {
    return [...this.#dialogs.values()];
  }

  get timers(): DerivedTimers {
    return this.layer.timers;
  }

  buildVia(branch: string): string {
    return `SIP/2.0/${this.transport.protocol.toUpperCase()} ${this.hostPort};branch=${branch};rport`;
  }

  /**
   * Add request-handling middleware (drachtio-srf style, Promise-only), optionally for one method. Runs for
   * new requests outside a dialog, before the delegates; see `Middleware`.
   */
  use(middleware: Middleware): this;
  use(method: string, middleware: Middleware): this;
  use(a: string | Middleware, b?: Middleware): this {
    if (typeof a === 'string') {
      if (!b) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', 'use(method, middleware) needs a middleware function');
      this.#middleware.push({ method: a.toUpperCase(), fn: b });
    } else this.#middleware.push({ method: null, fn: a });
    return this;
  }

  /** Send an INVITE; the returned object resolves `result` with the final answer. */
  invite(options: InviteOptions): OutgoingInvite {
    this.#assertOpen();
    const req = createRequest({
      method: 'INVITE',
      uri: options.uri,
      via: { transport: this.transport.protocol, host: this.#viaHost(), port: this.transport.local.port },
      from: `${options.fromDisplayName ? `"${options.fromDisplayName}" ` : ''}<${options.from}>;tag=${newTag()}`,
      to: `<${options.to ?? options.uri}>`,
      callId: options.callId ?? newCallId(this.host),
      cseq: 1 + Math.floor(Math.random() * 1000),
      contact: this.contact,
      route: options.route,
      headers: [['User-Agent', this.product], ['Allow', ALLOW], ...(options.headers ?? [])],
      body: options.body,
      contentType: options.contentType,
    });
    const out = new OutgoingInvite(req, this.#uas, { auth: this.#auth(options.credentials) });
    out.start(this.#targets(options));
    return out;
  }

  /** Send an out-of-dialog non-INVITE request (OPTIONS, REGISTER, MESSAGE…) and wait for its final response. */
  async request(options: RequestOptions): Promise<SipResponse> {
    return (await this.send(options)).response;
  }

  /** As `request`, with the details: every target tried and the request as last sent. Rejects only when resolution fails. */
  async send(options: RequestOptions): Promise<UacOutcome> {
    this.#assertOpen();
    const method = options.method.toUpperCase();
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL') throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `use invite() (and its cancel()) for ${method}, not request()`);
    let cseq = options.cseq ?? 1;
    const req = createRequest({
      method,
      uri: options.uri,
      via: { transport: this.transport.protocol, host: this.#viaHost(), port: this.transport.local.port },
      from: `${options.fromDisplayName ? `"${options.fromDisplayName}" ` : ''}<${options.from}>;tag=${options.fromTag ?? newTag()}`,
      to: `<${options.to ?? options.uri}>`,
      callId: options.callId ?? newCallId(this.host),
      cseq,
      contact: this.contact,
      route: options.route,
      headers: [['User-Agent', this.product], ...(options.headers ?? [])],
      body: options.body,
      contentType: options.contentType,
    });
    const targets = await this.#targets(options);
    return sendNonInvite(this.#uas, req, targets, { auth: this.#auth(options.credentials), nextCSeq: () => ++cseq });
  }

  /** A REGISTER client (RFC 3261 §10.2) owned by this UA: refreshes its binding until closed. */
  createRegisterClient(options: RegisterClientOptions): RegisterClient {
    this.#assertOpen();
    const client = new RegisterClient(options, {
      clock: this.clock,
      contact: this.contact,
      send: (o) => this.send(o),
      logger: this.logger,
      onClose: (c) => void this.#registrations.delete(c),
    });
    this.#registrations.add(client);
    return client;
  }

  #viaHost(): string {
    return this.hostPort.slice(0, this.hostPort.lastIndexOf(':'));
  }

  #auth(credentials: InviteOptions['credentials']): DigestClient | null {
    const c = credentials === undefined ? this.#options.credentials : credentials;
    return c ? new DigestClient(c) : null;
  }

  /** RFC 3263: an explicit destination or target list, else resolve the first Route or the Request-URI. */
  #targets(o: Destination & { uri: string }): Promise<readonly SipTarget[]> {
    if (o.targets) return Promise.resolve(o.targets);
    if (o.destination) return Promise.resolve([targetOf(o.destination, this.transport.protocol)]);
    try {
      return (this.#options.resolver ?? numericResolver).resolve(targetRequestFor(o.uri, o.route));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Targets this UA can reach: its transport's protocol (TCP/TLS/WS targets need a transport of that kind). */
  #canSend(target: SipTarget): boolean {
    return target.transport === this.transport.protocol;
  }

  #adopt(dialog: Dialog): void {
    this.#dialogs.set(dialog.id, dialog);
    this.emit('dialog', dialog);
  }

  /** §12.2.1.1: requests within a dialog take Request-URI, Route, tags and CSeq from the dialog. */
  #buildInDialog(d: Dialog, method: string, o: DialogRequestOptions): SipRequest {
    d.localSeq += 1;
    const targetRefresh = method === 'INVITE' || method === 'UPDATE';
    return createRequest({
      method,
      uri: d.remoteTarget,
      via: { transport: this.transport.protocol, host: this.#viaHost(), port: this.transport.local.port, branch: newBranch() },
      from: withTag(d.localUri, d.localTag),
      to: withTag(d.remoteUri, d.remoteTag),
      callId: d.callId,
      cseq: d.localSeq,
      route: d.routeSet,
      contact: targetRefresh ? this.contact : undefined,
      headers: [['User-Agent', this.product], ...(targetRefresh ? [['Allow', ALLOW] as [string, string]] : []), ...(o.headers ?? [])],
      body: o.body,
      contentType: o.contentType,
    });
  }

  #sendInDialog(d: Dialog, method: string, o?: DialogRequestOptions): Promise<SipResponse> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed'));
    return sendInDialog(this.#inDialogClient, d, method, o);
  }

  #sendReinvite(d: Dialog, o: ReinviteOptions): Promise<SipResponse> {
    if (this.#closed) return Promise.reject(new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed'));
    return sendReinvite(this.#inDialogClient, d, o);
  }

  #respond(tx: ServerTransaction, req: SipRequest, status: number, init: Omit<ResponseInit, 'status'> = {}): void {
    const toTag = init.toTag ?? (status > 100 ? (tx instanceof InviteServerTransaction ? (tx.localTag ?? newTag()) : newTag()) : undefined);
    const headers: Array<[string, string]> = [['Server', this.product]];
    if (init.headers) for (const h of init.headers) headers.push(h);
    tx.respond(createResponse(req, { status, reason: init.reason, toTag, headers, body: init.body, contentType: init.contentType }));
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
    if (req.method === 'CANCEL') return this.#onCancel(req, tx);
    if (req.toTag !== null) return this.#onInDialog(req, tx);
    if (this.layer.isMerged(req, tx)) return this.#respond(tx, req, 482); // §8.2.2.2
    let inv: IncomingInvite | null = null;
    if (req.method === 'INVITE') {
      const itx = tx as InviteServerTransaction;
      inv = new IncomingInvite(req, source, itx, this.#uas);
      this.#pendingInvites.add(inv);
      const pending = inv;
      this.#cancellable.set(itx, () => pending.receiveCancel());
      itx.scheduleTrying();
    }
    const uasReq = new UasRequest(req, source, inv, (status, init) => this.#respond(tx, req, status, init));
    if (this.#middleware.length === 0) return this.#dispatch(uasReq);
    runMiddleware(this.#middleware, uasReq, uasReq, () => this.#dispatch(uasReq)).catch((err: unknown) => {
      if (!(err instanceof SipError)) this.logger.error('middleware threw', { method: req.method, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      if (!uasReq.finalSent) void uasReq.send(err instanceof SipError ? err.status : 500, { reason: err instanceof SipError ? err.reason : undefined });
    });
  }

  /** After middleware (or without any): the delegates and RFC defaults. */
  #dispatch(r: UasRequest): void {
    const req = r.request;
    if (r.invite) {
      const handler = this.#options.onInvite;
      if (!handler) return r.invite.reject(480, 'Temporarily Unavailable');
      try {
        handler(r.invite);
      } catch (err) {
        if (err instanceof SipError) return r.invite.reject(err.status, err.reason);
        this.logger.error('onInvite threw', { error: (err as Error).message });
        r.invite.reject(500, 'Server Internal Error');
      }
      return;
    }
    if (req.method === 'BYE') return r.respond(481); // BYE without a To tag matches no dialog
    const handler = this.#options.onRequest;
    if (handler) {
      try {
        handler(r);
      } catch (err) {
        if (err instanceof SipError) {
          if (!r.finalSent) r.respond(err.status, { reason: err.reason });
          return;
        }
        this.logger.error('onRequest threw', { method: req.method, error: (err as Error).message });
        if (!r.finalSent) r.respond(500);
      }
    } else if (req.method === 'OPTIONS') {
      r.respond(200, { headers: [['Allow', ALLOW], ['Accept', 'application/sdp']] });
    } else {
      r.respond(ALLOW.includes(req.method) ? 405 : 501, { headers: [['Allow', ALLOW]] });
    }
  }

  #onAck(req: SipRequest): void {
    let key: string;
    try {
      key = ackKey(req.callId, req.fromTag ?? '', req.cseq.seq);
    } catch {
      return;
    }
    this.#acks.get(key)?.receiveAck(req);
  }

  /** §9.2: 200 to a CANCEL that matches an INVITE server transaction (and 487 to that INVITE if unanswered); else 481. */
  #onCancel(req: SipRequest, tx: ServerTransaction): void {
    const inviteTx = this.layer.findInviteFor(req);
    if (!inviteTx) return this.#respond(tx, req, 481);
    this.#respond(tx, req, 200, { toTag: inviteTx.localTag ?? undefined });
    const cancel = this.#cancellable.get(inviteTx);
    if (cancel) {
      this.#cancellable.delete(inviteTx);
      cancel();
    }
  }

  #onInDialog(req: SipRequest, tx: ServerTransaction): void {
    const dialog = this.#dialogs.get(dialogKey(req.callId, req.toTag!, req.fromTag ?? ''));
    if (!dialog) return this.#respond(tx, req, 481);
    if (dialog.remoteSeq !== null && req.cseq.seq <= dialog.remoteSeq) {
      return this.#respond(tx, req, 500, { reason: 'CSeq Out Of Order', toTag: dialog.localTag }); // §12.2.2
    }
    dialog.remoteSeq = req.cseq.seq;
    if (req.method === 'INVITE') (tx as InviteServerTransaction).scheduleTrying();
    handleInDialog(this.#inDialogServer, dialog, req, tx);
  }

  #assertOpen(): void {
    if (this.#closed) throw new GwsimError('GWSIM_ERR_CLOSED', 'user agent closed');
  }

  /** Stop registrations, terminate dialogs and transactions (without signalling), close the transport. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of [...this.#registrations]) await r.close();
    for (const inv of this.#pendingInvites) inv.abort();
    for (const d of [...this.#dialogs.values()]) d.terminate({ by: 'local', cause: 'shutdown' });
    this.#acks.clear();
    this.#cancellable.clear();
    this.layer.close();
    await this.transport.close();
  }

  dump(): Record<string, unknown> {
    return {
      local: this.transport.local,
      protocol: this.transport.protocol,
      closed: this.#closed,
      dialogs: this.dialogs.map((d) => d.dump()),
      transactions: this.layer.sizes,
      pendingInvites: this.#pendingInvites.size,
      awaitingAck: this.#acks.size,
      registrations: [...this.#registrations].map((r) => r.dump()),
      middleware: this.#middleware.length,
    };
  }
}

function pick(h: UasHost, timers: DerivedTimers) {
  return { contact: h.contact, serverHeader: h.serverHeader, timers, reliable: h.reliable, clock: h.clock, sendRaw: h.sendRaw, report: h.report };
}

function withTag(addr: string, tag: string): string {
  return /;\s*tag=/i.test(addr) ? addr : `${addr};tag=${tag}`;
}

/** One new out-of-dialog request: the `req` and the `res` of middleware, and the `onRequest` delegate's view. */
class UasRequest implements IncomingRequest, ServerResponse {
  readonly request: SipRequest;
  readonly source: TransportAddress;
  readonly invite: IncomingInvite | null;
  readonly locals: Record<string, unknown> = {};
  readonly #respond: (status: number, init: Omit<ResponseInit, 'status'>) => void;
  #final = false;

  constructor(request: SipRequest, source: TransportAddress, invite: IncomingInvite | null, respond: (status: number, init: Omit<ResponseInit, 'status'>) => void) {
    this.request = request;
    this.source = source;
    this.invite = invite;
    this.#respond = respond;
  }

  get method(): string {
    return this.request.method;
  }

  get finalSent(): boolean {
    return this.invite ? this.invite.state !== 'pending' : this.#final;
  }

  respond(status: number, init: Omit<ResponseInit, 'status'> = {}): void {
    void this.send(status, init);
  }

  send(status: number, options: SendOptions & { toTag?: string } = {}): Promise<Dialog | null> {
    const inv = this.invite;
    if (inv) {
      if (inv.state !== 'pending') return Promise.resolve(null);
      if (status < 200) {
        if (status > 100) inv.progress(status, { reason: options.reason, headers: options.headers, body: options.body, contentType: options.contentType });
        return Promise.resolve(null);
      }
      if (status < 300) {
        if (status !== 200) return Promise.reject(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `accept an INVITE with 200, not ${status}`));
        return inv.accept({ body: options.body, contentType: options.contentType, headers: options.headers });
      }
      inv.reject(status, options.reason, options.headers);
      return Promise.resolve(null);
    }
    if (this.#final) return Promise.resolve(null);
    if (status >= 200) this.#final = true;
    this.#respond(status, options);
    return Promise.resolve(null);
  }
}
