/** What a route handler gets and gives back (shared by the interop and admin route tables). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Logger } from '@gwsim/common';
import type { TokenInfo } from './model.ts';
import type { MeetService } from './service.ts';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly service: MeetService;
  /** The parsed JSON body (`{}` when empty); undefined on routes without a body. */
  readonly body: unknown;
  /** Bearer routes: the authenticated token and its secret. */
  readonly token: TokenInfo | undefined;
  readonly secret: string | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  /** Register a long-lived response (SSE) so that server close() ends it; returns an untrack function. */
  readonly trackStream: (res: ServerResponse, onClose: () => void) => () => void;
}

/** A JSON answer, or `streaming` when the handler owns the response (SSE). */
export type Reply = { readonly status: number; readonly body?: unknown } | { readonly streaming: true };

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly auth: 'admin' | 'bearer';
  /** Whether the route reads a JSON body. */
  readonly body: boolean;
  readonly handle: (ctx: RequestContext) => Reply;
}
