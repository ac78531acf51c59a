import { GwsimError, TypedEmitter } from '@gwsim/common';
import { isIP } from 'node:net';
import type { DigestClient } from './digest-auth.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import type { TransportAddress } from './transport.ts';
import { formatUri, parseUri } from './uri.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export type DialogEndReason = {
  by: 'remote' | 'local';
  /** bye: BYE either way; ack-timeout: our 2xx was never ACKed; transport / timeout / gone: an in-dialog request failed (§12.2.1.2). */
  cause: 'bye' | 'ack-timeout' | 'transport' | 'timeout' | 'gone' | 'shutdown';
  request?: SipRequest;
};

/** An offer/answer exchange inside the dialog completed (RFC 3261 §14, RFC 3311). */
export interface SessionChange {
  by: 'local' | 'remote';
  method: 'INVITE' | 'UPDATE';
  local: Buffer;
  remote: Buffer;
}

export type DialogEvents = {
  stateChange: [from: DialogState, to: DialogState];
  /** A request inside the dialog other than BYE/ACK/re-INVITE/UPDATE (INFO, OPTIONS, …), after it was answered. */
  request: [request: SipRequest];
  /** A re-INVITE or UPDATE changed the session (either side's offer). */
  session: [change: SessionChange];
  /** The dialog ended: by the peer's BYE, our BYE, or a failure (no ACK, transport, 408/481 to a request). */
  terminated: [reason: DialogEndReason];
};

/** What an in-dialog request carries. */
export interface DialogRequestOptions {
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

export interface ReinviteOptions extends DialogRequestOptions {
  /**
   * For a re-INVITE without an offer (empty body): build the answer to the offer in the 2xx; it goes in the
   * ACK (§14.1). Default: answer with the current local description.
   */
  answer?: (offer: SipResponse) => DialogRequestOptions | Promise<DialogRequestOptions>;
  /**
   * §14.1 glare: after 491 Request Pending, retry once after the RFC's random wait (2.1–4 s when we own
   * the Call-ID, else 0–2 s). Default false: the 491 is returned.
   */
  retryOnGlare?: boolean;
}

/** A body and headers a delegate answers with. */
export interface SessionAnswer {
  body?: Buffer | string;
  contentType?: string;
  headers?: Array<[string, string]>;
}

/** How an in-dialog request is answered by a delegate (`status` defaults to 200). */
export interface DialogResponseSpec extends SessionAnswer {
  status?: number;
  reason?: string;
}

/**
 * The application's say inside a dialog (delegates decide, events observe). Throw a SipError from either
 * method to answer with that status.
 */
export interface DialogDelegate {
  /**
   * A re-INVITE (§14.2) or UPDATE (RFC 3311) arrived. `request.body` is the peer's offer; an empty body on a
   * re-INVITE asks for our offer (the answer then comes in the ACK). Default: answer with the current
   * local description.
   */
  onOffer?(request: SipRequest, dialog: Dialog): SessionAnswer | Promise<SessionAnswer>;
  /** INFO, OPTIONS, MESSAGE, NOTIFY… inside the dialog. Default: 200 OK. */
  onRequest?(request: SipRequest, dialog: Dialog): DialogResponseSpec | void | Promise<DialogResponseSpec | void>;
}

/** Sends in-dialog requests; implemented by the UserAgent so the dialog stays free of transport code. */
export interface DialogOwner {
  sendInDialog(dialog: Dialog, method: string, options?: DialogRequestOptions): Promise<SipResponse>;
  sendReinvite(dialog: Dialog, options: ReinviteOptions): Promise<SipResponse>;
  forget(dialog: Dialog): void;
}

export interface DialogInit {
  role: 'uac' | 'uas';
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  /** The remote target URI, or a function computing it on first use (parsing Contact costs per call). */
  remoteTarget: string | (() => string);
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | null;
  flow: TransportAddress;
  owner: DialogOwner;
  localBody?: Buffer;
  remoteBody?: Buffer;
  delegate?: DialogDelegate;
  auth?: DigestClient | null;
}

/** RFC 3261 §12 dialog state: identifiers, sequence numbers, remote target, route set and the session. */
export class Dialog extends TypedEmitter<DialogEvents> {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  readonly role: 'uac' | 'uas';
  readonly id: string;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | null;
  /** The application's delegate for re-INVITE/UPDATE and other in-dialog requests. */
  delegate: DialogDelegate | undefined;
  /** Credentials for challenges to in-dialog requests (from the INVITE that made the dialog). */
  auth: DigestClient | null;
  /** Current session descriptions: ours and the peer's (the last completed offer/answer). */
  localBody: Buffer;
  remoteBody: Buffer;
  /**
   * §14: an INVITE transaction in progress inside the dialog ('local': our re-INVITE; 'remote': theirs,
   * not yet answered), and an offer without its answer yet ('local' / 'remote'). Used for glare (491).
   * @internal
   */
  pending: { invite: 'local' | 'remote' | null; offer: 'local' | 'remote' | null } = { invite: null, offer: null };
  #flow: TransportAddress;
  #remoteTarget: string | (() => string);
  #peer: TransportAddress | null = null;
  #state: DialogState = 'confirmed';
  #owner: DialogOwner;

  constructor(init: DialogInit) {
    super();
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.id = dialogKey(init.callId, init.localTag, init.remoteTag);
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.#remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.#flow = init.flow;
    this.#owner = init.owner;
    this.localBody = init.localBody ?? EMPTY;
    this.remoteBody = init.remoteBody ?? EMPTY;
    this.delegate = init.delegate;
    this.auth = init.auth ?? null;
  }

  get state(): DialogState {
    return this.#state;
  }

  /** The remote target (§12.1): the peer's Contact URI, updated by target refresh requests. */
  get remoteTarget(): string {
    if (typeof this.#remoteTarget === 'function') this.#remoteTarget = this.#remoteTarget();
    return this.#remoteTarget;
  }

  set remoteTarget(uri: string) {
    this.#remoteTarget = uri;
    this.#peer = null;
  }

  /** Where in-dialog requests go: the remote target when it is an IP literal, else the flow the dialog used. */
  get peer(): TransportAddress {
    this.#peer ??= targetAddress(this.remoteTarget, this.#flow);
    return this.#peer;
  }

  set peer(address: TransportAddress) {
    this.#peer = address;
  }

  /** Send BYE and end the dialog (§15.1.1); resolves with the final response (408/503 synthesized on failure). */
  async bye(headers?: Array<[string, string]>): Promise<SipResponse> {
    if (this.#state === 'terminated') throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `dialog ${this.callId} already terminated`);
    const pending = this.#owner.sendInDialog(this, 'BYE', { headers });
    this.terminate({ by: 'local', cause: 'bye' });
    return pending;
  }

  /** Send a request inside the dialog (INFO, OPTIONS, MESSAGE…) and wait for its final response. */
  request(method: string, options?: DialogRequestOptions): Promise<SipResponse> {
    if (this.#state === 'terminated') return Promise.reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `dialog ${this.callId} already terminated`));
    const m = method.toUpperCase();
    if (m === 'INVITE' || m === 'ACK' || m === 'CANCEL' || m === 'BYE') {
      return Promise.reject(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `use ${m === 'INVITE' ? 'reinvite()' : m === 'BYE' ? 'bye()' : 'the invite objects'} for ${m}, not request()`));
    }
    return this.#owner.sendInDialog(this, m, options);
  }

  /** RFC 6086 INFO (e.g. DTMF relay, `application/dtmf-relay`). */
  info(body: Buffer | string, contentType: string, headers?: Array<[string, string]>): Promise<SipResponse> {
    return this.request('INFO', { body, contentType, headers });
  }

  /**
   * Re-INVITE (§14.1): a new offer (or none, to ask for the peer's) and a target refresh. Resolves with the
   * final response; on 2xx the ACK has been sent and `localBody`/`remoteBody` updated. Rejects with
   * GWSIM_ERR_ILLEGAL_STATE while another offer/answer exchange is in progress.
   */
  reinvite(options: ReinviteOptions = {}): Promise<SipResponse> {
    const busy = this.#busy();
    if (busy) return Promise.reject(busy);
    return this.#owner.sendReinvite(this, options);
  }

  /** RFC 3311 UPDATE with an offer (or without, as a target refresh); resolves with the final response. */
  update(options: DialogRequestOptions = {}): Promise<SipResponse> {
    const busy = this.#busy();
    if (busy) return Promise.reject(busy);
    return this.#owner.sendInDialog(this, 'UPDATE', options);
  }

  #busy(): GwsimError | null {
    if (this.#state === 'terminated') return new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `dialog ${this.callId} already terminated`);
    if (this.pending.invite || this.pending.offer) {
      return new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `dialog ${this.callId}: an offer/answer exchange is in progress (${this.pending.invite ? `${this.pending.invite} re-INVITE` : `${this.pending.offer} offer`})`);
    }
    return null;
  }

  /** @internal A target refresh request or response (re-INVITE, UPDATE, their 2xx) named a new Contact. */
  refreshTarget(contact: string | undefined): void {
    if (!contact) return;
    this.remoteTarget = contact;
  }

  /** @internal An offer/answer exchange completed. */
  sessionChanged(change: SessionChange): void {
    this.localBody = change.local;
    this.remoteBody = change.remote;
    this.emit('session', change);
  }

  /** @internal A request inside the dialog was answered; BYE ends the dialog. */
  receiveRequest(req: SipRequest): void {
    if (req.method === 'BYE') this.terminate({ by: 'remote', cause: 'bye', request: req });
    else this.emit('request', req);
  }

  /** @internal End the dialog without signalling (used for BYE in both directions and failures). */
  terminate(reason: DialogEndReason): void {
    if (this.#state === 'terminated') return;
    const from = this.#state;
    this.#state = 'terminated';
    this.#owner.forget(this);
    this.emit('stateChange', from, 'terminated');
    this.emit('terminated', reason);
  }

  dump(): Record<string, unknown> {
    return { id: this.id, role: this.role, state: this.#state, callId: this.callId, localTag: this.localTag, remoteTag: this.remoteTag, remoteTarget: this.remoteTarget, localSeq: this.localSeq, remoteSeq: this.remoteSeq, peer: this.peer, pending: { ...this.pending } };
  }
}

const EMPTY = Buffer.alloc(0);

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

function targetAddress(target: string, flow: TransportAddress): TransportAddress {
  try {
    const uri = parseUri(target);
    const host = uri.host.startsWith('[') ? uri.host.slice(1, -1) : uri.host;
    if (isIP(host)) return { address: host, port: uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060) };
  } catch {
    // fall through: use the flow
  }
  return flow;
}

/** The remote target from a Contact header (first value), or undefined. */
export function contactTarget(msg: SipRequest | SipResponse): string | undefined {
  const c = msg.headers.getAll('Contact')[0];
  if (!c) return undefined;
  try {
    return formatUri(parseNameAddr(c).uri);
  } catch {
    return undefined;
  }
}
