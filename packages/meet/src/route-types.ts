/** What a route handler gets and gives back, and what each route documents (shared by both route tables). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Logger, Schema } from '@gwsim/common';
import type { ApiErrorCode } from './errors.ts';
import type { TokenInfo } from './model.ts';
import type { RefusalCode } from './refusals.ts';
import type { MeetService } from './service.ts';
import type { WebRtcAnswerer } from './webrtc-answerer.ts';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly service: MeetService;
  /** The WebRTC answerer, unless the server runs without media. */
  readonly answerer: WebRtcAnswerer | undefined;
  /** The body, already parsed against the route's schema (`{}` for `empty`); undefined for `none`. */
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

/** What API.md says about a route, beside what the route table already knows (method, path, auth, body). */
export interface RouteDoc {
  readonly summary: string;
  /** The success answer: status and body (a type from model.ts, or a shape in words). */
  readonly answer: { readonly status: number; readonly body: string; readonly contentType?: string };
  /** Codes this route answers with besides those every route can (auth, 400, 413, 415, 404/405, 500, 503). */
  readonly errors: readonly (ApiErrorCode | RefusalCode)[];
  readonly notes?: string;
}

/** `none`: the body is not read; `empty`: nothing or `{}`; a schema: the body is parsed with it first. */
export type RouteBody = 'none' | 'empty' | Schema<unknown>;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly auth: 'admin' | 'bearer';
  readonly body: RouteBody;
  readonly doc: RouteDoc;
  readonly handle: (ctx: RequestContext) => Reply | Promise<Reply>;
}

/** A route whose handler gets its body typed by the schema the server parses it with. */
export function defineRoute<T>(route: {
  readonly method: Route['method'];
  readonly path: string;
  readonly auth: Route['auth'];
  readonly body: Schema<T>;
  readonly doc: RouteDoc;
  readonly handle: (ctx: RequestContext, body: T) => Reply | Promise<Reply>;
}): Route {
  return { ...route, handle: (ctx) => route.handle(ctx, ctx.body as T) };
}
