/**
 * MeetClient: the gateway side of the interop API, as a Conferencing Node uses it. Every method resolves
 * with a result and never throws for network trouble: an unreachable service or a 5xx is MEET_UNAVAILABLE
 * (503), a missed deadline is MEET_TIMEOUT (504), so the node can map any answer to SIP (REFUSALS).
 */
import type { JoinEvent, JoinView, ParticipantState } from './model.ts';
import { REFUSALS } from './refusals.ts';
import { SseParser, type SseMessage } from './sse.ts';
import { errorBody, fetchJson, joinUrl, type FetchOutcome } from './http-fetch.ts';

export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

export interface MeetClientOptions {
  baseUrl: string;
  /** Deadline for each request (for `events`, until the stream opens). Default 10 s. */
  timeoutMs?: number;
}

export interface JoinParams {
  token: string;
  meetingId: string;
  displayName: string;
  sdpOffer?: string;
}

export interface JoinFailure {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type JoinResult =
  | { readonly ok: true; readonly joinId: string; readonly participantId: string; readonly state: 'joined' | 'lobby'; readonly sdpAnswer?: string }
  | JoinFailure;

export type JoinStatusResult = { readonly ok: true; readonly join: JoinView } | JoinFailure;

export type LeaveResult = { readonly ok: true } | JoinFailure;

/**
 * How an event stream ended: `complete` when the join reached its end (the last event is terminal),
 * otherwise the caller aborted it.
 */
export type EventsResult = { readonly ok: true; readonly complete: boolean; readonly last: JoinEvent | undefined } | JoinFailure;

const unavailable = (message: string): JoinFailure => ({ ok: false, status: 503, code: 'MEET_UNAVAILABLE', message });
const timedOut = (): JoinFailure => ({ ok: false, status: 504, code: 'MEET_TIMEOUT', message: REFUSALS.MEET_TIMEOUT.message });

/** A failure for any outcome that is not the expected 2xx. */
function failure(outcome: FetchOutcome): JoinFailure {
  if (outcome.kind === 'timeout') return timedOut();
  if (outcome.kind === 'unreachable') return unavailable(`${REFUSALS.MEET_UNAVAILABLE.message} (${describeError(outcome.error)})`);
  if (outcome.status === 504) return timedOut();
  if (outcome.status >= 500) return unavailable(`${REFUSALS.MEET_UNAVAILABLE.message} (HTTP ${outcome.status})`);
  const error = errorBody(outcome.body);
  if (!error) return unavailable(`The Meet interop service sent a malformed answer (HTTP ${outcome.status}).`);
  return { ok: false, status: outcome.status, code: error.code, message: error.message };
}

/** A short, safe description (ECONNREFUSED, TypeError…): never the message, which may quote a header. */
function describeError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'error';
}

function isJoinEvent(value: unknown): value is JoinEvent {
  const v = value as Partial<JoinEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.seq === 'number' && typeof v.type === 'string' && typeof v.joinId === 'string';
}

const TERMINAL: ParticipantState = 'disconnected';

/** Carries an error thrown by the caller's onEvent out of the stream loop (it is rethrown, not mapped). */
class ListenerError {
  constructor(readonly error: unknown) {}
}

/** What a gateway needs from the interop API; MeetClient (HTTP + SSE) and MeetChannelClient (WebSocket) give it. */
export interface MeetInteropClient {
  join(params: JoinParams): Promise<JoinResult>;
  status(joinId: string, token: string): Promise<JoinStatusResult>;
  leave(joinId: string, token: string): Promise<LeaveResult>;
  events(joinId: string, token: string, onEvent: (event: JoinEvent) => void, signal?: AbortSignal): Promise<EventsResult>;
  /** Release connections (the channel's WebSocket); HTTP has none to release. */
  close?(): Promise<void>;
}

export class MeetClient implements MeetInteropClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;

  constructor(options: MeetClientOptions) {
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
  }

  async join(params: JoinParams): Promise<JoinResult> {
    const outcome = await fetchJson(joinUrl(this.baseUrl, '/interop/v1/joins'), {
      method: 'POST',
      headers: this.#auth(params.token),
      body: { meetingId: params.meetingId, displayName: params.displayName, ...(params.sdpOffer !== undefined && { sdpOffer: params.sdpOffer }) },
      timeoutMs: this.timeoutMs,
    });
    if (outcome.kind !== 'answer' || outcome.status !== 200) return failure(outcome);
    const body = outcome.body as Record<string, unknown> | undefined;
    const { joinId, participantId, state, sdpAnswer } = body ?? {};
    if (typeof joinId !== 'string' || typeof participantId !== 'string' || (state !== 'joined' && state !== 'lobby')) {
      return unavailable('The Meet interop service sent a malformed join answer.');
    }
    return { ok: true, joinId, participantId, state, ...(typeof sdpAnswer === 'string' && { sdpAnswer }) };
  }

  /** The join's current state. */
  async status(joinId: string, token: string): Promise<JoinStatusResult> {
    const outcome = await fetchJson(this.#joinUrl(joinId), { method: 'GET', headers: this.#auth(token), timeoutMs: this.timeoutMs });
    if (outcome.kind !== 'answer' || outcome.status !== 200) return failure(outcome);
    const join = outcome.body as JoinView | undefined;
    if (typeof join?.joinId !== 'string' || typeof join.state !== 'string') return unavailable('The Meet interop service sent a malformed join.');
    return { ok: true, join };
  }

  /** Leave the meeting (or withdraw a knock). */
  async leave(joinId: string, token: string): Promise<LeaveResult> {
    const outcome = await fetchJson(this.#joinUrl(joinId), { method: 'DELETE', headers: this.#auth(token), timeoutMs: this.timeoutMs });
    if (outcome.kind === 'answer' && outcome.status === 204) return { ok: true };
    return failure(outcome);
  }

  /**
   * Follow the join's events (admitted, denied, knock_timeout, nobody_to_admit, removed, ended, left) until
   * it ends or `signal` aborts. Events that happened before the call are replayed first. An error thrown
   * by `onEvent` closes the stream and is rethrown: it is the caller's bug, not a service failure.
   */
  async events(joinId: string, token: string, onEvent: (event: JoinEvent) => void, signal?: AbortSignal): Promise<EventsResult> {
    const controller = new AbortController();
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    // Cancel the reader as well: undici (Node 20) can leave a pending read() unsettled when the fetch is
    // aborted just as the server ends the stream, which would hang this call forever.
    const abort = () => {
      controller.abort();
      reader?.cancel().catch(() => {});
    };
    if (signal?.aborted) return { ok: true, complete: false, last: undefined };
    signal?.addEventListener('abort', abort, { once: true });
    let deadlinePassed = false;
    const deadline = setTimeout(() => {
      deadlinePassed = true;
      controller.abort();
    }, this.timeoutMs);
    let last: JoinEvent | undefined;
    try {
      const response = await fetch(`${this.#joinUrl(joinId)}/events`, {
        headers: { ...this.#auth(token), accept: 'text/event-stream' },
        signal: controller.signal,
      });
      clearTimeout(deadline);
      if (response.status !== 200 || !response.body) {
        const text = await response.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        return failure({ kind: 'answer', status: response.status, body, malformed: body === undefined });
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const deliver = (messages: SseMessage[]) => {
        for (const message of messages) {
          const event: unknown = JSON.parse(message.data);
          if (!isJoinEvent(event)) continue;
          last = event;
          try {
            onEvent(event);
          } catch (err) {
            throw new ListenerError(err);
          }
        }
      };
      reader = response.body.getReader();
      if (signal?.aborted) void reader.cancel().catch(() => {});
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        deliver(parser.push(decoder.decode(value, { stream: true })));
      }
      deliver(parser.end());
      if (last?.state === TERMINAL) return { ok: true, complete: true, last };
      if (signal?.aborted) return { ok: true, complete: false, last };
      return unavailable('The Meet interop service closed the event stream before the join ended.');
    } catch (err) {
      if (err instanceof ListenerError) throw err.error;
      if (signal?.aborted) return { ok: true, complete: false, last };
      if (deadlinePassed) return timedOut();
      if (err instanceof SyntaxError) return unavailable('The Meet interop service sent a malformed event.');
      return unavailable(`${REFUSALS.MEET_UNAVAILABLE.message} (${describeError(err)})`);
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }

  #joinUrl(joinId: string): string {
    return joinUrl(this.baseUrl, `/interop/v1/joins/${encodeURIComponent(joinId)}`);
  }

  #auth(token: string): Record<string, string> {
    return { authorization: `Bearer ${token}` };
  }
}
