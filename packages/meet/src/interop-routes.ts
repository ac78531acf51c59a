/**
 * The gateway-facing interop API (what a Conferencing Node calls with its interoperability token as a
 * bearer credential): join, poll, follow events over SSE, leave.
 */
import { parse } from '@gwsim/common';
import type { JoinEvent } from './model.ts';
import { REFUSALS } from './refusals.ts';
import { joinRequestSchema } from './specs.ts';
import type { Reply, RequestContext, Route } from './route-types.ts';
import { encodeSse, encodeSseComment } from './sse.ts';

export const DEFAULT_HEARTBEAT_MS = 15_000;

function join(ctx: RequestContext): Reply {
  const outcome = ctx.service.join(ctx.secret!, parse(joinRequestSchema, ctx.body));
  if (!outcome.ok) {
    return { status: REFUSALS[outcome.code].status, body: { error: { code: outcome.code, message: outcome.message } } };
  }
  const { joinId, participantId, state } = outcome.join;
  // No WebRTC answerer yet: an sdpOffer is accepted and `sdpAnswer` is left out.
  return { status: 200, body: { joinId, participantId, state } };
}

/** Replay (after Last-Event-ID), then live events; the stream ends after the terminal event. */
function events(ctx: RequestContext, heartbeatMs: number): Reply {
  const { req, res } = ctx;
  const lastId = Number(req.headers['last-event-id'] ?? 0);
  const afterSeq = Number.isInteger(lastId) && lastId > 0 ? lastId : 0;
  let heartbeat: { cancel(): void } | undefined;
  let untrack = () => {};
  let unsubscribe = () => {};
  const finish = () => {
    heartbeat?.cancel();
    unsubscribe();
    untrack();
    if (!res.writableEnded) res.end();
  };
  const write = (e: JoinEvent) => {
    res.write(encodeSse({ id: String(e.seq), event: e.type, data: JSON.stringify(e) }));
    if (e.state === 'disconnected') finish();
  };
  // Throws JOIN_NOT_FOUND before anything is written, so the caller still gets a JSON 404.
  const watch = ctx.service.watch(ctx.token!, ctx.params.joinId!, afterSeq, (e) => write(e));
  unsubscribe = watch.unsubscribe;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(encodeSseComment('gwsim meet join events'));
  untrack = ctx.trackStream(res, finish);
  res.on('close', finish);
  for (const e of watch.replay) write(e);
  if (watch.done) {
    finish();
    return { streaming: true };
  }
  const beat = () => {
    if (res.writableEnded) return;
    res.write(encodeSseComment('keep-alive'));
    heartbeat = ctx.clock.setTimeout(beat, heartbeatMs);
  };
  heartbeat = ctx.clock.setTimeout(beat, heartbeatMs);
  return { streaming: true };
}

export function interopRoutes(options: { heartbeatMs?: number } = {}): Route[] {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  return [
    { method: 'POST', path: '/interop/v1/joins', auth: 'bearer', body: true, handle: join },
    {
      method: 'GET',
      path: '/interop/v1/joins/:joinId',
      auth: 'bearer',
      body: false,
      handle: (ctx) => ({ status: 200, body: ctx.service.getJoin(ctx.token!, ctx.params.joinId!) }),
    },
    {
      method: 'DELETE',
      path: '/interop/v1/joins/:joinId',
      auth: 'bearer',
      body: false,
      handle: (ctx) => {
        ctx.service.leave(ctx.token!, ctx.params.joinId!);
        return { status: 204 };
      },
    },
    { method: 'GET', path: '/interop/v1/joins/:joinId/events', auth: 'bearer', body: false, handle: (ctx) => events(ctx, heartbeatMs) },
  ];
}
