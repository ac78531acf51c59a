/**
 * HTTP edge helpers: bounded JSON body reading, JSON answers, and credential extraction. Nothing here logs
 * a header or a body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeetError } from './errors.ts';
import { secretsEqual } from './identifiers.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Read and parse a JSON body of at most `limit` bytes. An empty body reads as `{}` (action routes need
 * none). Refuses oversize bodies as soon as they are known to be (Content-Length or counting).
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new MeetError('PAYLOAD_TOO_LARGE', `The request body is ${declared} bytes; the limit is ${limit}.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new MeetError('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${limit} bytes.`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    throw new MeetError('UNSUPPORTED_MEDIA_TYPE', `The request body must be application/json, not ${type}.`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not echoing the parser's message: it quotes the body, which may hold anything.
    throw new MeetError('INVALID_REQUEST', 'The request body is not valid JSON.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (body === undefined) {
    res.writeHead(status, { 'cache-control': 'no-store', ...headers });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, extra: { path?: string; headers?: Record<string, string> } = {}): void {
  const error = { code, message, ...(extra.path && { path: extra.path }) };
  sendJson(res, status, { error }, extra.headers);
}

/** The secret of `Authorization: Bearer <secret>`, or undefined when absent or malformed. */
export function bearerSecret(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header) : null;
  return match?.[1];
}

export const ADMIN_KEY_HEADER = 'x-gwsim-admin-key';

/** Constant-time check of the admin key header; throws ADMIN_KEY_INVALID. */
export function requireAdminKey(req: IncomingMessage, adminKey: string): void {
  const given = req.headers[ADMIN_KEY_HEADER];
  if (typeof given !== 'string' || !secretsEqual(given, adminKey)) throw new MeetError('ADMIN_KEY_INVALID');
}
