/**
 * MeetChannelClient: the interop API over the interop channel (one WebSocket, see interop-channel.ts) with
 * the same methods and answers as MeetClient. Events of the joins it makes are pushed on the channel from
 * the join's answer on, so `events()` costs no request. It connects on first use and again after the
 * channel drops; a drop fails the requests in flight and the event streams open at that moment with
 * MEET_UNAVAILABLE, exactly as an HTTP error or a broken SSE stream would.
 */
import WebSocket from 'ws';
import type { JoinEvent, JoinView, ParticipantState } from './model.ts';
import { REFUSALS } from './refusals.ts';
import { errorBody, joinUrl } from './http-fetch.ts';
import { CHANNEL_MAX_FRAME, CHANNEL_PATH, CHANNEL_PROTOCOL } from './interop-channel.ts';
import { DEFAULT_CLIENT_TIMEOUT_MS, type EventsResult, type JoinFailure, type JoinParams, type JoinResult, type JoinStatusResult, type LeaveResult, type MeetInteropClient } from './client.ts';

interface Answer {
  status: number;
  body: unknown;
}
type Outcome = { kind: 'answer'; answer: Answer } | { kind: 'unavailable'; why: string } | { kind: 'timeout' };

interface Pending {
  resolve: (o: Outcome) => void;
  timer: NodeJS.Timeout;
  /** Runs synchronously with the answer, before frames behind it on the channel are read. */
  onAnswer?: (a: Answer) => void;
}

/** Events of one join: buffered until `events()` attaches, then delivered. */
interface Stream {
  buffer: JoinEvent[];
  listener: ((e: JoinEvent) => void) | null;
  last: JoinEvent | undefined;
  done: ((r: EventsResult) => void) | null;
  finished: boolean;
}

const TERMINAL: ParticipantState = 'disconnected';
/** A finished stream nobody attached to is forgotten after this long. */
const UNCLAIMED_MS = 30_000;

const unavailable = (message: string): JoinFailure => ({ ok: false, status: 503, code: 'MEET_UNAVAILABLE', message });
const timedOut = (): JoinFailure => ({ ok: false, status: 504, code: 'MEET_TIMEOUT', message: REFUSALS.MEET_TIMEOUT.message });

function failure(o: Outcome): JoinFailure {
  if (o.kind === 'timeout') return timedOut();
  if (o.kind === 'unavailable') return unavailable(`${REFUSALS.MEET_UNAVAILABLE.message} (${o.why})`);
  const { status, body } = o.answer;
  if (status === 504) return timedOut();
  if (status >= 500) return unavailable(`${REFUSALS.MEET_UNAVAILABLE.message} (status ${status})`);
  const error = errorBody(body);
  if (!error) return unavailable(`The Meet interop service sent a malformed answer (status ${status}).`);
  return { ok: false, status, code: error.code, message: error.message };
}

export interface MeetChannelClientOptions {
  baseUrl: string;
  /** Deadline for each request and for connecting. Default 10 s. */
  timeoutMs?: number;
}

export class MeetChannelClient implements MeetInteropClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #url: string;
  #ws: WebSocket | null = null;
  #open: Promise<WebSocket | string> | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #streams = new Map<string, Stream>();
  #closed = false;

  constructor(options: MeetChannelClientOptions) {
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    this.#url = joinUrl(options.baseUrl, CHANNEL_PATH).replace(/^http/, 'ws');
  }

  async join(params: JoinParams): Promise<JoinResult> {
    const body = { meetingId: params.meetingId, displayName: params.displayName, ...(params.sdpOffer !== undefined && { sdpOffer: params.sdpOffer }) };
    // The server pushes the join's events right behind its answer, possibly in the same read: the stream
    // that buffers them must exist before the next frame is handled, not when this function resumes.
    const o = await this.#request({ op: 'join', token: params.token, body }, (a) => {
      const joinId = (a.body as { joinId?: unknown } | undefined)?.joinId;
      if (a.status === 200 && typeof joinId === 'string' && !this.#streams.has(joinId)) {
        this.#streams.set(joinId, { buffer: [], listener: null, last: undefined, done: null, finished: false });
      }
    });
    if (o.kind !== 'answer' || o.answer.status !== 200) return failure(o);
    const { joinId, participantId, state, sdpAnswer } = (o.answer.body ?? {}) as Record<string, unknown>;
    if (typeof joinId !== 'string' || typeof participantId !== 'string' || (state !== 'joined' && state !== 'lobby')) {
      return unavailable('The Meet interop service sent a malformed join answer.');
    }
    return { ok: true, joinId, participantId, state, ...(typeof sdpAnswer === 'string' && { sdpAnswer }) };
  }

  async status(joinId: string, token: string): Promise<JoinStatusResult> {
    const o = await this.#request({ op: 'status', token, joinId });
    if (o.kind !== 'answer' || o.answer.status !== 200) return failure(o);
    const join = o.answer.body as JoinView | undefined;
    if (typeof join?.joinId !== 'string' || typeof join.state !== 'string') return unavailable('The Meet interop service sent a malformed join.');
    return { ok: true, join };
  }

  async leave(joinId: string, token: string): Promise<LeaveResult> {
    const o = await this.#request({ op: 'leave', token, joinId });
    const s = this.#streams.get(joinId);
    if (s && !s.listener) this.#streams.delete(joinId); // nobody follows it: don't keep its events
    if (o.kind === 'answer' && o.answer.status === 204) return { ok: true };
    return failure(o);
  }

  /** Follow the join's events until it ends or `signal` aborts (see MeetClient.events). */
  async events(joinId: string, token: string, onEvent: (event: JoinEvent) => void, signal?: AbortSignal): Promise<EventsResult> {
    if (signal?.aborted) return { ok: true, complete: false, last: undefined };
    let stream = this.#streams.get(joinId);
    if (!stream) {
      // A join made elsewhere (or before a reconnect): ask the service to push its events here.
      stream = { buffer: [], listener: null, last: undefined, done: null, finished: false };
      this.#streams.set(joinId, stream);
      const o = await this.#request({ op: 'watch', token, joinId });
      if (o.kind !== 'answer' || o.answer.status !== 200) {
        this.#streams.delete(joinId);
        return failure(o);
      }
    }
    const s = stream;
    let listenerError: unknown;
    let failed = false;
    const result = new Promise<EventsResult>((resolve) => {
      s.done = resolve;
    });
    s.listener = (e) => {
      if (failed) return;
      try {
        onEvent(e);
      } catch (err) {
        failed = true;
        listenerError = err;
        this.#end(joinId, { ok: true, complete: false, last: s.last });
      }
    };
    // Events that arrived before the caller attached are delivered as if they had just arrived: after
    // the caller's current synchronous work, never inside its events() call.
    queueMicrotask(() => {
      if (!s.listener) return;
      for (const e of s.buffer.splice(0)) s.listener(e);
      if (s.finished && !failed) this.#end(joinId, { ok: true, complete: true, last: s.last });
    });
    const abort = () => this.#end(joinId, { ok: true, complete: false, last: s.last });
    signal?.addEventListener('abort', abort, { once: true });
    const r = await result;
    signal?.removeEventListener('abort', abort);
    if (failed) throw listenerError;
    return r;
  }

  /** Close the channel; requests and event streams in flight end as MEET_UNAVAILABLE. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const ws = this.#ws;
    this.#drop('client closed');
    if (ws && ws.readyState !== ws.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.terminate();
      await closed;
    }
  }

  #end(joinId: string, r: EventsResult): void {
    const s = this.#streams.get(joinId);
    if (!s) return;
    this.#streams.delete(joinId);
    s.listener = null;
    const done = s.done;
    s.done = null;
    done?.(r);
  }

  #onEvent(e: JoinEvent): void {
    const s = this.#streams.get(e.joinId);
    if (!s) return;
    s.last = e;
    if (s.listener) s.listener(e);
    else s.buffer.push(e);
    if (e.state !== TERMINAL) return;
    if (s.listener) this.#end(e.joinId, { ok: true, complete: true, last: e });
    else {
      s.finished = true;
      setTimeout(() => {
        if (this.#streams.get(e.joinId) === s && !s.listener) this.#streams.delete(e.joinId);
      }, UNCLAIMED_MS).unref();
    }
  }

  async #request(message: Record<string, unknown>, onAnswer?: (a: Answer) => void): Promise<Outcome> {
    if (this.#closed) return { kind: 'unavailable', why: 'client closed' };
    const id = this.#nextId++;
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ kind: 'timeout' });
      }, this.timeoutMs);
      this.#pending.set(id, { resolve, timer, onAnswer });
      void this.#connect().then((ws) => {
        if (!this.#pending.has(id)) return;
        if (typeof ws === 'string') return this.#settle(id, { kind: 'unavailable', why: ws });
        ws.send(JSON.stringify({ id, ...message }), (err) => err && this.#settle(id, { kind: 'unavailable', why: 'send failed' }));
      });
    });
  }

  #settle(id: number, o: Outcome): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (o.kind === 'answer') p.onAnswer?.(o.answer);
    p.resolve(o);
  }

  /** The open channel, or why there is none (ECONNREFUSED, …). One connection attempt at a time. */
  #connect(): Promise<WebSocket | string> {
    if (this.#ws && this.#ws.readyState === WebSocket.OPEN) return Promise.resolve(this.#ws);
    this.#open ??= new Promise<WebSocket | string>((resolve) => {
      const ws = new WebSocket(this.#url, CHANNEL_PROTOCOL, { perMessageDeflate: false, maxPayload: CHANNEL_MAX_FRAME * 4, handshakeTimeout: this.timeoutMs });
      ws.once('open', () => {
        this.#ws = ws;
        this.#open = null;
        resolve(ws);
      });
      ws.on('error', (err: Error & { code?: string }) => {
        if (this.#ws === ws) return; // after open: 'close' follows and fails what waits
        this.#open = null;
        resolve(err.code ?? err.name);
      });
      ws.on('message', (data) => this.#onMessage(data as Buffer));
      ws.on('close', () => {
        if (this.#ws === ws) {
          this.#ws = null;
          this.#drop('channel closed');
        }
      });
    });
    return this.#open;
  }

  #onMessage(data: Buffer): void {
    let m: { id?: unknown; status?: unknown; body?: unknown; event?: unknown };
    try {
      m = JSON.parse(data.toString('utf8')) as typeof m;
    } catch {
      return; // not ours to answer: the service never sends this
    }
    if (m.event !== undefined) {
      const e = m.event as JoinEvent;
      if (typeof e?.joinId === 'string' && typeof e.seq === 'number' && typeof e.type === 'string') this.#onEvent(e);
      return;
    }
    if (typeof m.id === 'number' && typeof m.status === 'number') this.#settle(m.id, { kind: 'answer', answer: { status: m.status, body: m.body } });
  }

  /** The channel is gone: fail what waits on it. */
  #drop(why: string): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, { kind: 'unavailable', why });
    for (const [joinId, s] of [...this.#streams]) {
      if (s.listener) this.#end(joinId, unavailable(`${REFUSALS.MEET_UNAVAILABLE.message} (${why})`));
      else this.#streams.delete(joinId);
    }
  }
}
