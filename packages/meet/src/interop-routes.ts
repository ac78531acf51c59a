/**
 * The gateway-facing interop API (what a Conferencing Node calls with its interoperability token as a
 * bearer credential): join, poll, follow events over SSE, leave.
 */
import type { JoinEvent } from './model.ts';
import { REFUSALS } from './refusals.ts';
import { joinRequestSchema, type JoinRequest } from './specs.ts';
import { defineRoute, type Reply, type RequestContext, type Route } from './route-types.ts';
import { encodeSse, encodeSseComment } from './sse.ts';
import type { MeetService } from './service.ts';
import type { WebRtcAnswerer } from './webrtc-answerer.ts';

export const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * A join as both the HTTP route and the interop channel answer it. With an `sdpOffer` (and media on), the
 * WebRTC answerer takes the join and the answer carries `sdpAnswer`.
 */
export async function answerJoin(service: MeetService, answerer: WebRtcAnswerer | undefined, secret: string, request: JoinRequest): Promise<{ status: number; body: unknown }> {
  const outcome = request.sdpOffer !== undefined && answerer ? await answerer.join(secret, request) : service.join(secret, request);
  if (!outcome.ok) {
    return { status: REFUSALS[outcome.code].status, body: { error: { code: outcome.code, message: outcome.message } } };
  }
  const { joinId, participantId, state } = outcome.join;
  const sdpAnswer = 'sdpAnswer' in outcome ? outcome.sdpAnswer : undefined;
  return { status: 200, body: { joinId, participantId, state, ...(sdpAnswer !== undefined && { sdpAnswer }) } };
}

function join(ctx: RequestContext, request: JoinRequest): Promise<Reply> {
  return answerJoin(ctx.service, ctx.answerer, ctx.secret!, request);
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

const JOIN_ID_ERRORS = ['JOIN_NOT_FOUND'] as const;

export function interopRoutes(options: { heartbeatMs?: number } = {}): Route[] {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  return [
    defineRoute({
      method: 'POST',
      path: '/interop/v1/joins',
      auth: 'bearer',
      body: joinRequestSchema,
      doc: {
        summary:
          'Join a meeting as a gateway participant. A trusted token joins (`state: joined`); an untrusted one knocks (`state: lobby`) and the outcome arrives as an event. A refusal is answered with its status and code (REFUSALS).',
        answer: { status: 200, body: "{ joinId, participantId, state: 'joined' | 'lobby', sdpAnswer? }" },
        errors: ['INTEROP_DISABLED', 'MEETING_NOT_FOUND', 'OUT_OF_SCOPE', 'MEETING_ENDED', 'VIDEO_LOCKED', 'MEETING_FULL', 'MEDIA_FAILED'],
        notes:
          'Checked in this order: token, interop switch, meeting (in the token\'s tenant, in the ID form the tenant uses), organizer scope, ended, video lock, capacity. ' +
          'With `sdpOffer` the Meet host answers over WebRTC (werift, ICE/DTLS/SRTP on its loopback address): `sdpAnswer` comes with the join answer, also for a lobby join, so ICE and DTLS come up while the caller waits. ' +
          'Media is held in the lobby (nothing is sent, nothing echoed) and flows once admitted; the media mode is the server\'s (`echo` or `synthetic`). ' +
          'The peer closes when the join ends. An offer that is not a loopback WebRTC offer is a 400 on `sdpOffer`; a refused join creates no peer.',
      },
      handle: join,
    }),
    {
      method: 'GET',
      path: '/interop/v1/joins/:joinId',
      auth: 'bearer',
      body: 'none',
      doc: { summary: 'The join\'s current state. A join belongs to the token that made it: other tokens get 404.', answer: { status: 200, body: 'JoinView' }, errors: JOIN_ID_ERRORS },
      handle: (ctx) => ({ status: 200, body: ctx.service.getJoin(ctx.token!, ctx.params.joinId!) }),
    },
    {
      method: 'DELETE',
      path: '/interop/v1/joins/:joinId',
      auth: 'bearer',
      body: 'none',
      doc: { summary: 'Leave the meeting or withdraw the knock (event `left`). Leaving again answers 204 too.', answer: { status: 204, body: '(none)' }, errors: JOIN_ID_ERRORS },
      handle: (ctx) => {
        ctx.service.leave(ctx.token!, ctx.params.joinId!);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: '/interop/v1/joins/:joinId/events',
      auth: 'bearer',
      body: 'none',
      doc: {
        summary: "Follow the join's events as Server-Sent Events until it ends.",
        answer: { status: 200, body: 'events `id: <seq>`, `event: <JoinEventType>`, `data: JoinEvent`', contentType: 'text/event-stream' },
        errors: JOIN_ID_ERRORS,
        notes:
          'Past events are replayed first (only those after `Last-Event-ID` when given); the stream closes after the terminal event (state `disconnected`); a `: keep-alive` comment every 15 s. ' +
          'Events: `admitted`; `denied` (KNOCK_DENIED); `knock_timeout` (KNOCK_TIMEOUT, default 300 s); `nobody_to_admit` (NOBODY_TO_ADMIT); `removed` (VIDEO_LOCKED, MEETING_FULL, REMOVED_BY_HOST, SERVICE_CLOSED); `ended` (MEETING_ENDED); `left` (LEFT).',
      },
      handle: (ctx) => events(ctx, heartbeatMs),
    },
  ];
}
