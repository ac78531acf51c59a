/**
 * The interop channel: the interop API over one WebSocket per gateway node (`/interop/v1/channel`,
 * subprotocol `gwsim-interop.v1`). The same operations as the HTTP routes — join, status, leave, watch —
 * with the same answers, plus the events of every join made or watched on the channel pushed as they
 * happen. A node with hundreds of calls a second then pays one framed message per operation instead of an
 * HTTP exchange per request and an SSE stream per call.
 *
 *   → { "id": 7, "op": "join", "token": "<secret>", "body": { "meetingId": "…", "displayName": "…" } }
 *   ← { "id": 7, "status": 200, "body": { "joinId": "…", "participantId": "…", "state": "joined" } }
 *   ← { "event": { "seq": 2, "type": "left", "joinId": "…", … } }
 *   → { "id": 8, "op": "leave", "token": "<secret>", "joinId": "…" }     ← { "id": 8, "status": 204 }
 *
 * Every request carries its token (a node uses several); answers to bad input name the field path, as
 * the HTTP API's do. A malformed frame that has no usable `id` is answered with `"id": null`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ConfigError, GwsimError, integer, object, oneOf, optional, parse, string, type Logger } from '@gwsim/common';
import { API_ERRORS, MeetError } from './errors.ts';
import { answerJoin } from './interop-routes.ts';
import type { JoinEvent, TokenInfo } from './model.ts';
import { REFUSALS } from './refusals.ts';
import type { MeetService } from './service.ts';
import { joinRequestSchema } from './specs.ts';
import type { WebRtcAnswerer } from './webrtc-answerer.ts';

export const CHANNEL_PATH = '/interop/v1/channel';
export const CHANNEL_PROTOCOL = 'gwsim-interop.v1';
/** Largest frame a gateway may send (a join with a WebRTC offer fits easily). */
export const CHANNEL_MAX_FRAME = 128 * 1024;

const envelopeSchema = object({
  id: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  op: oneOf(['join', 'leave', 'status', 'watch']),
  token: string({ min: 1, max: 100 }),
  joinId: optional(string({ min: 1, max: 64 })),
  afterSeq: optional(integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  body: optional({ expects: 'an object', parse: (v) => v }),
});

type Envelope = ReturnType<typeof envelopeSchema.parse>;

export interface ChannelAnswer {
  id: number | null;
  status: number;
  body?: unknown;
}

const errorAnswer = (id: number | null, status: number, code: string, message: string, path?: string): ChannelAnswer => ({
  id,
  status,
  body: { error: { code, message, ...(path !== undefined && { path }) } },
});

/** One gateway's WebSocket: its requests, and the event subscriptions of the joins it made or watches. */
class ChannelConnection {
  readonly #ws: WebSocket;
  readonly #service: MeetService;
  readonly #answerer: WebRtcAnswerer | undefined;
  readonly #log: Logger;
  /** joinId → unsubscribe. */
  readonly #watches = new Map<string, () => void>();

  constructor(ws: WebSocket, service: MeetService, answerer: WebRtcAnswerer | undefined, log: Logger) {
    this.#ws = ws;
    this.#service = service;
    this.#answerer = answerer;
    this.#log = log;
    ws.on('message', (data, isBinary) => void this.#onFrame(data as Buffer, isBinary));
    ws.on('close', () => this.#closeWatches());
    ws.on('error', (err) => this.#log.debug('interop channel error', { error: err.message }));
  }

  async #onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    let id: number | null = null;
    try {
      if (isBinary) throw new ConfigError('(frame)', 'must be a text frame holding a JSON object');
      let value: unknown;
      try {
        value = JSON.parse(data.toString('utf8'));
      } catch {
        throw new ConfigError('(frame)', 'is not valid JSON');
      }
      const raw = (value as { id?: unknown } | null)?.id;
      if (Number.isSafeInteger(raw) && (raw as number) >= 0) id = raw as number;
      const request = parse(envelopeSchema, value);
      const token = this.#service.authenticate(request.token);
      if (!token) {
        // One answer for missing, unknown and revoked tokens, as over HTTP.
        return this.#send(errorAnswer(id, REFUSALS.TOKEN_INVALID.status, 'TOKEN_INVALID', REFUSALS.TOKEN_INVALID.message));
      }
      await this.#dispatch(request, token);
    } catch (err) {
      this.#send(this.#failure(id, err));
    }
  }

  async #dispatch(r: Envelope, token: TokenInfo): Promise<void> {
    if (r.op === 'join') {
      const body = joinRequestSchema.parse(r.body ?? {}, 'body');
      const answer = await answerJoin(this.#service, this.#answerer, r.token, body);
      this.#send({ id: r.id, ...answer });
      const joinId = answer.status === 200 ? (answer.body as { joinId: string }).joinId : undefined;
      if (joinId !== undefined) this.#watch(token, joinId, 0);
      return;
    }
    if (r.joinId === undefined) throw new ConfigError('joinId', `is required for "${r.op}"`);
    if (r.op === 'status') return this.#send({ id: r.id, status: 200, body: this.#service.getJoin(token, r.joinId) });
    if (r.op === 'leave') {
      this.#service.leave(token, r.joinId);
      return this.#send({ id: r.id, status: 204 });
    }
    // watch: the answer first, then the replay after `afterSeq`, then live events.
    this.#service.getJoin(token, r.joinId); // 404 before the answer for a join the token does not own
    this.#send({ id: r.id, status: 200, body: {} });
    this.#watch(token, r.joinId, r.afterSeq ?? 0);
  }

  #watch(token: TokenInfo, joinId: string, afterSeq: number): void {
    this.#watches.get(joinId)?.();
    const w = this.#service.watch(token, joinId, afterSeq, (e) => this.#event(e));
    for (const e of w.replay) this.#send({ event: e });
    if (w.done) return w.unsubscribe();
    this.#watches.set(joinId, w.unsubscribe);
  }

  #event(e: JoinEvent): void {
    this.#send({ event: e });
    if (e.state === 'disconnected') {
      this.#watches.get(e.joinId)?.();
      this.#watches.delete(e.joinId);
    }
  }

  #failure(id: number | null, err: unknown): ChannelAnswer {
    if (err instanceof ConfigError) return errorAnswer(id, 400, 'INVALID_REQUEST', err.message, err.path);
    if (err instanceof MeetError) return errorAnswer(id, err.status, err.apiCode, err.message);
    if (err instanceof GwsimError && err.code === 'GWSIM_ERR_CLOSED') return errorAnswer(id, 503, 'UNAVAILABLE', API_ERRORS.UNAVAILABLE.message);
    this.#log.error('interop channel request failed', { error: err instanceof Error ? err.message : String(err) });
    return errorAnswer(id, 500, 'INTERNAL', API_ERRORS.INTERNAL.message);
  }

  #send(message: ChannelAnswer | { event: JoinEvent }): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(message));
  }

  #closeWatches(): void {
    for (const unsubscribe of this.#watches.values()) unsubscribe();
    this.#watches.clear();
  }

  close(): void {
    this.#closeWatches();
    this.#ws.terminate();
  }
}

/** Accepts channel upgrades on the Meet server's HTTP socket. */
export class InteropChannelServer {
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: CHANNEL_MAX_FRAME,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(CHANNEL_PROTOCOL) ? CHANNEL_PROTOCOL : false),
  });
  readonly #connections = new Set<ChannelConnection>();
  readonly #service: MeetService;
  readonly #answerer: WebRtcAnswerer | undefined;
  readonly #log: Logger;

  constructor(service: MeetService, answerer: WebRtcAnswerer | undefined, log: Logger) {
    this.#service = service;
    this.#answerer = answerer;
    this.#log = log;
  }

  get connections(): number {
    return this.#connections.size;
  }

  /** Take an HTTP upgrade; anything but the channel path with our subprotocol is answered and closed. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ error: { code: status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', message: text } })}`);
    };
    if (path !== CHANNEL_PATH) return refuse(404, `No WebSocket endpoint at ${path}; the interop channel is ${CHANNEL_PATH}`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(CHANNEL_PROTOCOL)) return refuse(400, `Bad Request: the interop channel needs subprotocol ${CHANNEL_PROTOCOL}`);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const c = new ChannelConnection(ws, this.#service, this.#answerer, this.#log);
      this.#connections.add(c);
      ws.on('close', () => this.#connections.delete(c));
    });
  }

  close(): void {
    for (const c of this.#connections) c.close();
    this.#connections.clear();
    this.#wss.close();
  }
}
