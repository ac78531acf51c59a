/**
 * One JSON request over global fetch with a deadline. Never throws: the outcome says whether an answer
 * came, the peer was unreachable, or the deadline passed. Used by both Meet clients.
 */

export type FetchOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown; readonly malformed: boolean }
  | { readonly kind: 'unreachable'; readonly error: unknown }
  | { readonly kind: 'timeout' };

export interface FetchJsonInit {
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly timeoutMs: number;
}

export async function fetchJson(url: string, init: FetchJsonInit): Promise<FetchOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), init.timeoutMs);
  try {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method: init.method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: controller.signal,
    });
    const text = await response.text();
    if (text === '') return { kind: 'answer', status: response.status, body: undefined, malformed: false };
    try {
      return { kind: 'answer', status: response.status, body: JSON.parse(text) as unknown, malformed: false };
    } catch {
      return { kind: 'answer', status: response.status, body: undefined, malformed: true };
    }
  } catch (error) {
    return controller.signal.aborted ? { kind: 'timeout' } : { kind: 'unreachable', error };
  } finally {
    clearTimeout(timer);
  }
}

/** `{ error: { code, message, path? } }` from an error answer, when it has that shape. */
export function errorBody(body: unknown): { code: string; message: string; path?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, path } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { code, message, ...(typeof path === 'string' && { path }) };
}

export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}
