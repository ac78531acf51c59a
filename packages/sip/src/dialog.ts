import { GwsimError, TypedEmitter } from '@gwsim/common';
import { isIP } from 'node:net';
import type { SipRequest, SipResponse } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import type { TransportAddress } from './transport.ts';
import { formatUri, parseUri } from './uri.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export type DialogEvents = {
  stateChange: [from: DialogState, to: DialogState];
  /** A request inside the dialog other than BYE/ACK (INFO, OPTIONS, …); the dialog already answered it. */
  request: [request: SipRequest];
  /** The dialog ended: by the peer's BYE, our BYE, or a failure (no ACK, transport). */
  terminated: [reason: DialogEndReason];
};

export type DialogEndReason = { by: 'remote' | 'local'; cause: 'bye' | 'ack-timeout' | 'transport' | 'shutdown'; request?: SipRequest };

/** Sends in-dialog requests; implemented by the UserAgent so the dialog stays free of transport code. */
export interface DialogOwner {
  sendInDialog(dialog: Dialog, method: string, options?: { headers?: Array<[string, string]>; body?: Buffer | string; contentType?: string }): Promise<SipResponse>;
  forget(dialog: Dialog): void;
}

/** RFC 3261 §12 dialog state: identifiers, sequence numbers, remote target and route set. */
export class Dialog extends TypedEmitter<DialogEvents> {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  readonly role: 'uac' | 'uas';
  remoteTarget: string;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | null;
  /** Where in-dialog requests go: the remote target when it is an IP literal, else the flow the dialog used. */
  peer: TransportAddress;
  #state: DialogState = 'confirmed';
  #owner: DialogOwner;

  constructor(init: {
    role: 'uac' | 'uas';
    callId: string;
    localTag: string;
    remoteTag: string;
    localUri: string;
    remoteUri: string;
    remoteTarget: string;
    routeSet: string[];
    localSeq: number;
    remoteSeq: number | null;
    flow: TransportAddress;
    owner: DialogOwner;
  }) {
    super();
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.peer = targetAddress(init.remoteTarget, init.flow);
    this.#owner = init.owner;
  }

  get id(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  get state(): DialogState {
    return this.#state;
  }

  /** Send BYE and end the dialog (§15.1.1); resolves with the final response (408/503 synthesized on failure). */
  async bye(headers?: Array<[string, string]>): Promise<SipResponse> {
    if (this.#state === 'terminated') throw new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `dialog ${this.callId} already terminated`);
    const pending = this.#owner.sendInDialog(this, 'BYE', { headers });
    this.terminate({ by: 'local', cause: 'bye' });
    return pending;
  }

  /** Send a request inside the dialog (INFO, OPTIONS, …) and wait for its final response. */
  request(method: string, options?: { headers?: Array<[string, string]>; body?: Buffer | string; contentType?: string }): Promise<SipResponse> {
    if (this.#state === 'terminated') return Promise.reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `dialog ${this.callId} already terminated`));
    return this.#owner.sendInDialog(this, method, options);
  }

  /** @internal */
  receiveRequest(req: SipRequest): void {
    this.remoteSeq = req.cseq.seq;
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
    return { id: this.id, role: this.role, state: this.#state, callId: this.callId, localTag: this.localTag, remoteTag: this.remoteTag, remoteTarget: this.remoteTarget, localSeq: this.localSeq, remoteSeq: this.remoteSeq, peer: this.peer };
  }
}

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
