/** Raw HTTP helpers for wire-level tests (real fetch, nothing mocked). */
import { SseParser, type JoinEvent, type MeetServer } from '../../src/index.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(
  server: MeetServer,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; admin?: boolean | string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.admin) headers['x-gwsim-admin-key'] = options.admin === true ? ADMIN_KEY : options.admin;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(server.url + path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Open a join's event stream; `next()` resolves with the next event, `ended` when the server closes it. */
export async function openEvents(server: MeetServer, joinId: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/interop/v1/joins/${joinId}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const queue: JoinEvent[] = [];
  const waiters: ((e: JoinEvent) => void)[] = [];
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const ended = (async () => {
    const reader = res.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'closed' as const;
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          const e = JSON.parse(m.data) as JoinEvent;
          const w = waiters.shift();
          if (w) w(e);
          else queue.push(e);
        }
      }
    } catch {
      return 'aborted' as const;
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    next: () => new Promise<JoinEvent>((resolve) => (queue.length ? resolve(queue.shift()!) : waiters.push(resolve))),
    ended,
    abort: () => controller.abort(),
  };
}
