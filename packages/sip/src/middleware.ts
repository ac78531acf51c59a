import { GwsimError } from '@gwsim/common';
import type { Dialog } from './dialog.ts';
import type { SipRequest } from './message.ts';
import type { ResponseInit } from './message-factory.ts';
import type { TransportAddress } from './transport.ts';
import type { IncomingInvite } from './uas-invite.ts';

/** What a response carries besides its status. */
export interface SendOptions {
  reason?: string;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** A new request outside any dialog, as middleware and the `onRequest` delegate see it. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly method: string;
  readonly source: TransportAddress;
  /** For INVITE: the pending invite (progress/accept/reject it directly, or use `res.send`). */
  readonly invite: IncomingInvite | null;
  /** Scratch space shared by the middleware of one request (e.g. `username` after digest auth). */
  readonly locals: Record<string, unknown>;
  /** Respond without waiting (same as `ServerResponse.send`, result ignored). */
  respond(status: number, init?: Omit<ResponseInit, 'status'>): void;
}

/** The response side handed to middleware. */
export interface ServerResponse {
  /** Whether a final (≥ 200) response has been sent. */
  readonly finalSent: boolean;
  /**
   * 1xx: provisional (INVITE only). 2xx: for INVITE, accept — resolves with the dialog once the ACK
   * arrives; for other methods resolves with null at once. 3xx–6xx: reject. Promise-only, never throws for
   * a late answer (a request already answered or cancelled ignores it and resolves null).
   */
  send(status: number, options?: SendOptions): Promise<Dialog | null>;
}

export type Next = () => Promise<void>;

/**
 * drachtio-srf style request handling, Promise-only: `ua.use(async (req, res, next) => …)`. A middleware
 * answers with `res.send`, or calls `next()` to pass the request on. When the stack runs out, the UA's
 * delegates (`onInvite`, `onRequest`, defaults) handle the request. A thrown SipError becomes that response;
 * any other exception becomes 500.
 */
export type Middleware = (req: IncomingRequest, res: ServerResponse, next: Next) => void | Promise<void>;

export interface MiddlewareEntry {
  /** Upper-case method the middleware is limited to, or null for every method. */
  method: string | null;
  fn: Middleware;
}

/** Run `stack` for one request; `end` runs when the last middleware calls `next()` (or the stack is empty). */
export function runMiddleware(stack: readonly MiddlewareEntry[], req: IncomingRequest, res: ServerResponse, end: () => void | Promise<void>): Promise<void> {
  const dispatch = async (from: number): Promise<void> => {
    let i = from;
    while (i < stack.length && stack[i]!.method !== null && stack[i]!.method !== req.method) i++;
    if (i >= stack.length) {
      if (!res.finalSent) await end();
      return;
    }
    let called = false;
    await stack[i]!.fn(req, res, () => {
      if (called) return Promise.reject(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', 'next() called more than once by one middleware'));
      called = true;
      return dispatch(i + 1);
    });
  };
  return dispatch(0);
}
