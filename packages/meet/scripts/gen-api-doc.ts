/**
 * Generates packages/meet/API.md from the route tables (src/interop-routes.ts, src/admin-routes.ts), the body
 * schemas they parse with (src/specs.ts), the error tables (src/errors.ts, src/refusals.ts) and the view
 * types (src/model.ts). test/api-doc.test.ts fails when API.md differs from what this renders.
 *
 *   npx tsx packages/meet/scripts/gen-api-doc.ts          # rewrite API.md
 *   npx tsx packages/meet/scripts/gen-api-doc.ts --check  # exit 1 when API.md is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { adminRoutes } from '../src/admin-routes.ts';
import { API_ERRORS, type ApiErrorCode } from '../src/errors.ts';
import { ADMIN_KEY_HEADER, MAX_BODY_BYTES } from '../src/http-io.ts';
import { interopRoutes } from '../src/interop-routes.ts';
import { CHANNEL_MAX_FRAME, CHANNEL_PATH, CHANNEL_PROTOCOL } from '../src/interop-channel.ts';
import { REFUSALS, type RefusalCode } from '../src/refusals.ts';
import type { Route } from '../src/route-types.ts';
import { describeFields } from '../src/schema-doc.ts';

export const API_DOC_PATH = fileURLToPath(new URL('../API.md', import.meta.url));
const MODEL_PATH = fileURLToPath(new URL('../src/model.ts', import.meta.url));

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

type Info = { status: number; message: string };
const apiErrors = API_ERRORS as Record<string, Info>;
const refusals = REFUSALS as Record<string, Info>;

/**
 * Status and message of a code. A few codes are in both tables (MEETING_NOT_FOUND, MEETING_ENDED): the
 * interop API answers joins from REFUSALS, the admin API from API_ERRORS.
 */
function errorInfo(code: string, auth: Route['auth']): Info {
  const info = auth === 'bearer' ? (refusals[code] ?? apiErrors[code]) : (apiErrors[code] ?? refusals[code]);
  if (!info) throw new Error(`no status for error code ${code}`);
  return info;
}

function errorTable(codes: readonly string[], auth: Route['auth'], extra: Record<string, string> = {}): string[] {
  const rows = [...codes].sort((a, b) => errorInfo(a, auth).status - errorInfo(b, auth).status || a.localeCompare(b));
  return [
    '| Status | Code | Message |',
    '|---|---|---|',
    ...rows.map((code) => `| ${errorInfo(code, auth).status} | \`${code}\` | ${cell(extra[code] ?? errorInfo(code, auth).message)} |`),
  ];
}

const AUTH: Record<Route['auth'], string> = {
  bearer: '`Authorization: Bearer <token secret>`',
  admin: `\`${ADMIN_KEY_HEADER}: <admin key>\``,
};

const AUTH_ERROR: Record<Route['auth'], ApiErrorCode | RefusalCode> = { bearer: 'TOKEN_INVALID', admin: 'ADMIN_KEY_INVALID' };

function anchor(route: Route): string {
  return `${route.method} ${route.path}`
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

function bodySection(route: Route): string[] {
  if (route.body === 'none') return ['**Body:** none.'];
  if (route.body === 'empty') return ['**Body:** none, or `{}` (any field is refused).'];
  const fields = describeFields(route.body);
  return [
    '**Body** (JSON; unknown fields are refused):',
    '',
    '| Field | Required | Allowed |',
    '|---|---|---|',
    ...fields.map((f) => `| \`${f.path}\` | ${f.required ? 'yes' : 'no'} | ${cell(f.allowed)} |`),
  ];
}

function routeSection(route: Route): string[] {
  const { doc } = route;
  const type = doc.answer.contentType ?? (doc.answer.status === 204 ? undefined : 'application/json');
  const errors = [AUTH_ERROR[route.auth], ...doc.errors];
  return [
    `### ${route.method} \`${route.path}\``,
    '',
    doc.summary,
    '',
    `**Auth:** ${AUTH[route.auth]}`,
    '',
    ...bodySection(route),
    '',
    `**Answer:** ${doc.answer.status}${type ? ` (${type})` : ''} — ${/^\(|`/.test(doc.answer.body) ? doc.answer.body : `\`${doc.answer.body}\``}`,
    '',
    ...(doc.notes ? [doc.notes, ''] : []),
    '**Errors** (besides the common ones):',
    '',
    ...errorTable(errors, route.auth),
    '',
  ];
}

/** The exported interfaces and types of model.ts, with their doc comments, as written. */
function modelTypes(source: string): string[] {
  const lines = source.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const isInterface = line.startsWith('export interface ');
    if (!isInterface && !line.startsWith('export type ')) continue;
    let start = i;
    if (lines[i - 1]?.trimEnd().endsWith('*/')) {
      while (start > 0 && !lines[start - 1]!.startsWith('/**')) start--;
      start--;
    }
    let end = i;
    if (isInterface) while (lines[end] !== '}') end++;
    else while (!lines[end]!.trimEnd().endsWith(';')) end++;
    blocks.push(lines.slice(start, end + 1).join('\n'));
    i = end;
  }
  return blocks;
}

const COMMON: readonly ApiErrorCode[] = ['INVALID_REQUEST', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL', 'UNAVAILABLE'];

export function renderApiDoc(): string {
  const groups: [string, Route[]][] = [
    ['Gateway-facing interop API', interopRoutes()],
    ['Admin / host API', adminRoutes()],
  ];
  const out: string[] = [
    '# @gwsim/meet HTTP API',
    '',
    '<!-- Generated by `npx tsx packages/meet/scripts/gen-api-doc.ts` from the route tables, body schemas, error tables and',
    '     src/model.ts. Do not edit: packages/meet/test/api-doc.test.ts fails when this file is stale. -->',
    '',
    'The mock Meet interop service over HTTP (see README.md for the model and the admission rules).',
    '',
    '## Conventions',
    '',
    `- Request bodies are JSON (\`application/json\` or \`+json\`), at most ${MAX_BODY_BYTES} bytes, parsed against the`,
    '  route\'s schema before anything happens: a request is applied completely or not at all. Unknown fields are',
    '  refused; errors name the field path (`users[1].email`, `onKnock.afterMs`).',
    '- Errors are `{ "error": { "code", "message", "path"? } }` with a stable `code`.',
    `- Gateway-facing routes take the interoperability token as ${AUTH.bearer}; a missing, malformed, unknown`,
    '  or revoked token gets one and the same 401 `TOKEN_INVALID` answer (with `WWW-Authenticate: Bearer`).',
    `- Admin routes take ${AUTH.admin} (compared in constant time); otherwise 401 \`ADMIN_KEY_INVALID\`.`,
    '- A token secret appears in exactly one answer: the one that creates it.',
    '',
    '**Common errors** (any route):',
    '',
    ...errorTable(COMMON, 'admin', {
      INVALID_REQUEST: 'Malformed JSON, a wrong type, a missing or unknown field; `path` names the field.',
      NOT_FOUND: 'No such route.',
      METHOD_NOT_ALLOWED: 'The path exists with other methods (listed in `Allow`).',
    }),
    '',
    '## Routes',
    '',
    '| Method | Path | Auth | Summary |',
    '|---|---|---|---|',
  ];
  for (const [, routes] of groups) {
    for (const r of routes) out.push(`| ${r.method} | [\`${r.path}\`](#${anchor(r)}) | ${r.auth} | ${cell(r.doc.summary.split('. ')[0]!.replace(/\.$/, ''))} |`);
  }
  out.push('');
  for (const [title, routes] of groups) {
    out.push(`## ${title}`, '');
    for (const r of routes) out.push(...routeSection(r));
  }
  out.push(
    '## The interop channel (WebSocket)',
    '',
    `The gateway-facing operations over one WebSocket per node: \`GET ${CHANNEL_PATH}\` upgraded with subprotocol`,
    `\`${CHANNEL_PROTOCOL}\` (any other path answers 404, a missing subprotocol 400). Text frames of at most ${CHANNEL_MAX_FRAME} bytes,`,
    'one JSON object each. A request carries `id` (an integer the answer echoes), `op`, the interoperability',
    '`token` (each request is authenticated on its own, as over HTTP), and what the operation needs:',
    '',
    '| `op` | Fields | Answer (same status and body as over HTTP) |',
    '|---|---|---|',
    '| `join` | `body`: as `POST /interop/v1/joins` | `200` `{ joinId, participantId, state, sdpAnswer? }`, or the refusal |',
    '| `status` | `joinId` | `200` JoinView |',
    '| `leave` | `joinId` | `204` (no body) |',
    '| `watch` | `joinId`, `afterSeq`? | `200` `{}` — then the replay after `afterSeq`, then live events |',
    '',
    'Answers are `{ "id", "status", "body"? }`; a frame that is not JSON or has no usable `id` is answered with',
    '`"id": null`. The events of every join made (or watched) on the channel follow its answer as',
    '`{ "event": JoinEvent }` frames, in order, until the terminal event (state `disconnected`). `MeetChannelClient`',
    'gives the same methods and answers as `MeetClient`; Conferencing Nodes use it by default.',
    '',
    '## Join refusals',
    '',
    'Every way a join can fail, with the HTTP status of the join answer (or the reason of the event that ends it).',
    '`MEET_UNAVAILABLE` and `MEET_TIMEOUT` are produced by the clients (`MeetClient`, `MeetChannelClient`), never by the server.',
    '',
    ...errorTable(Object.keys(REFUSALS), 'bearer'),
    '',
    '## Types',
    '',
    'As declared in `src/model.ts`.',
    '',
    '```ts',
    modelTypes(readFileSync(MODEL_PATH, 'utf8')).join('\n\n'),
    '```',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rendered = renderApiDoc();
  if (process.argv.includes('--check')) {
    const current = readFileSync(API_DOC_PATH, 'utf8');
    if (current !== rendered) {
      process.stderr.write('packages/meet/API.md is stale: run npx tsx packages/meet/scripts/gen-api-doc.ts\n');
      process.exit(1);
    }
  } else {
    writeFileSync(API_DOC_PATH, rendered);
    process.stdout.write(`wrote ${API_DOC_PATH}\n`);
  }
}
