import type { Clock, Logger } from '@gwsim/common';
import type { DigestCredentials } from './digest-auth.ts';
import type { Dialog, DialogDelegate } from './dialog.ts';
import type { IncomingRequest, Middleware } from './middleware.ts';
import type { SipTarget, SipTargetResolver } from './target-resolver.ts';
import type { TimerOptions } from './timers.ts';
import type { Transport, TransportAddress } from './transport.ts';
import type { IncomingInvite } from './uas-invite.ts';

export interface UserAgentOptions {
  transport: Transport;
  /** Drives every timer (default: a TimerWheel over the system clock; tests inject a FakeClock). */
  clock?: Clock;
  /** T1/T2/T4 (and any derived timer) for every transport, with per-protocol overrides (`byTransport`). */
  timers?: TimerOptions;
  logger?: Logger;
  /** Product token for the User-Agent and Server headers. */
  product?: string;
  /** Host written into Via and Contact (defaults to the transport's local address). */
  advertisedHost?: string;
  /** User part of our Contact URI. */
  contactUser?: string;
  /** Option tags we support, checked against Require (§8.2.2.3). */
  supported?: string[];
  /**
   * RFC 3263 resolver for requests sent without an explicit `destination`/`targets` (e.g. `@gwsim/dns`
   * SipResolver). Default: IP-literal hosts only.
   */
  resolver?: SipTargetResolver;
  /** Credentials answering 401/407 for every request unless the request names its own (or null). */
  credentials?: DigestCredentials;
  /** Delegate every new dialog starts with (re-INVITE/UPDATE offers, INFO…); replaceable per dialog. */
  dialogDelegate?: DialogDelegate;
  /** The application decides about every new INVITE (must progress, accept or reject it). Default: 480. */
  onInvite?: (invite: IncomingInvite) => void;
  /** Other out-of-dialog requests (REGISTER, OPTIONS, MESSAGE…); must call `respond`. Default: 405/200. */
  onRequest?: (request: IncomingRequest) => void;
  /** Middleware run before the delegates, in order (the same as calling `use()` for each). */
  middleware?: Middleware[];
}

/** Where a request goes: a fixed address, an explicit target list, or (neither) the resolver. */
export interface Destination {
  /** Send here (already resolved); no RFC 3263 resolution. */
  destination?: TransportAddress;
  /** An ordered target list to walk on failure (RFC 3263 §4.3). */
  targets?: readonly SipTarget[];
  /** Pre-existing route set (outbound proxy, §8.1.2): the first Route is resolved instead of the Request-URI. */
  route?: string[];
}

export interface InviteOptions extends Destination {
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
  /** Answer 401/407 with these (null: never; default: the UA's credentials). */
  credentials?: DigestCredentials | null;
  callId?: string;
}

export interface RequestOptions extends Omit<InviteOptions, 'body'> {
  method: string;
  body?: Buffer | string;
  cseq?: number;
  callId?: string;
  /** From tag (default: a new one). */
  fromTag?: string;
}

export type UserAgentEvents = {
  dialog: [dialog: Dialog];
};
