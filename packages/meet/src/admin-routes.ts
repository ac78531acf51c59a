/**
 * The admin/host API (x-gwsim-admin-key): what a Workspace admin console and a meeting host would do —
 * tenants, users, tokens, meetings, host controls, lobby decisions. Bodies are parsed against the schemas in
 * specs.ts (field paths in errors) before the service, which checks the rest, changes anything.
 */
import { parse } from '@gwsim/common';
import {
  emptySchema,
  hostPatchSchema,
  interopPatchSchema,
  meetingSpecSchema,
  tenantSpecSchema,
  tokenSpecSchema,
  userSpecSchema,
} from './specs.ts';
import type { RequestContext, Route } from './route-types.ts';

type Handler = (ctx: RequestContext) => { status: number; body?: unknown };

const route = (method: Route['method'], path: string, handle: Handler, body = method !== 'GET'): Route => ({
  method,
  path,
  auth: 'admin',
  body,
  handle,
});

/** Action routes take no fields: an empty body or `{}`. */
const noFields = (ctx: RequestContext) => parse(emptySchema, ctx.body);

const p = (ctx: RequestContext, name: string) => ctx.params[name]!;

export function adminRoutes(): Route[] {
  return [
    route('GET', '/admin/v1/tenants', (ctx) => ({ status: 200, body: { tenants: ctx.service.listTenants() } })),
    route('POST', '/admin/v1/tenants', (ctx) => ({ status: 201, body: ctx.service.createTenant(parse(tenantSpecSchema, ctx.body)) })),
    route('GET', '/admin/v1/tenants/:domain', (ctx) => ({ status: 200, body: ctx.service.getTenant(p(ctx, 'domain')) })),
    route('PATCH', '/admin/v1/tenants/:domain', (ctx) => ({ status: 200, body: ctx.service.updateInterop(p(ctx, 'domain'), parse(interopPatchSchema, ctx.body)) })),
    route('POST', '/admin/v1/tenants/:domain/users', (ctx) => ({ status: 201, body: ctx.service.addUser(p(ctx, 'domain'), parse(userSpecSchema, ctx.body)) })),
    route('POST', '/admin/v1/tenants/:domain/tokens', (ctx) => ({ status: 201, body: ctx.service.createToken(p(ctx, 'domain'), parse(tokenSpecSchema, ctx.body)) })),
    route('GET', '/admin/v1/tenants/:domain/tokens', (ctx) => ({ status: 200, body: { tokens: ctx.service.listTokens(p(ctx, 'domain')) } })),
    route('POST', '/admin/v1/tokens/:id/revoke', (ctx) => {
      noFields(ctx);
      return { status: 200, body: ctx.service.revokeToken(p(ctx, 'id')) };
    }),
    route('GET', '/admin/v1/meetings', (ctx) => ({ status: 200, body: { meetings: ctx.service.listMeetings() } })),
    route('POST', '/admin/v1/meetings', (ctx) => ({ status: 201, body: ctx.service.createMeeting(parse(meetingSpecSchema, ctx.body)) })),
    route('GET', '/admin/v1/meetings/:meetingId', (ctx) => ({ status: 200, body: ctx.service.getMeeting(p(ctx, 'meetingId')) })),
    route('POST', '/admin/v1/meetings/:meetingId/end', (ctx) => {
      noFields(ctx);
      return { status: 200, body: ctx.service.endMeeting(p(ctx, 'meetingId')) };
    }),
    route('PATCH', '/admin/v1/meetings/:meetingId/host', (ctx) => ({ status: 200, body: ctx.service.setHost(p(ctx, 'meetingId'), parse(hostPatchSchema, ctx.body)) })),
    route('POST', '/admin/v1/meetings/:meetingId/lobby/:participantId/admit', (ctx) => {
      noFields(ctx);
      return { status: 200, body: ctx.service.admit(p(ctx, 'meetingId'), p(ctx, 'participantId')) };
    }),
    route('POST', '/admin/v1/meetings/:meetingId/lobby/:participantId/deny', (ctx) => {
      noFields(ctx);
      return { status: 200, body: ctx.service.deny(p(ctx, 'meetingId'), p(ctx, 'participantId')) };
    }),
    route('POST', '/admin/v1/meetings/:meetingId/participants/:participantId/remove', (ctx) => {
      noFields(ctx);
      return { status: 200, body: ctx.service.removeParticipant(p(ctx, 'meetingId'), p(ctx, 'participantId')) };
    }),
  ];
}
