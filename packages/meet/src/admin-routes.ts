/**
 * The admin/host API (x-gwsim-admin-key): what a Workspace admin console and a meeting host would do —
 * tenants, users, tokens, meetings, host controls, lobby decisions. The server parses each body against the
 * route's schema (field paths in errors) before the service, which checks the rest, changes anything.
 */
import { hostPatchSchema, interopPatchSchema, meetingSpecSchema, tenantSpecSchema, tokenSpecSchema, userSpecSchema } from './specs.ts';
import { defineRoute, type RequestContext, type Route, type RouteDoc } from './route-types.ts';

type Simple = (ctx: RequestContext) => { status: number; body?: unknown };

/** A route without a body (`GET`) or with an empty one (actions: nothing or `{}`). */
const plain = (method: Route['method'], path: string, doc: RouteDoc, handle: Simple): Route => ({
  method,
  path,
  auth: 'admin',
  body: method === 'GET' ? 'none' : 'empty',
  doc,
  handle,
});

const p = (ctx: RequestContext, name: string) => ctx.params[name]!;

const MEETING_ID_NOTE = 'Meetings are addressed by long ID, short ID or meeting code.';

export function adminRoutes(): Route[] {
  return [
    plain('GET', '/admin/v1/tenants', { summary: 'List tenants.', answer: { status: 200, body: '{ tenants: TenantInfo[] }' }, errors: [] }, (ctx) => ({
      status: 200,
      body: { tenants: ctx.service.listTenants() },
    })),
    defineRoute({
      method: 'POST',
      path: '/admin/v1/tenants',
      auth: 'admin',
      body: tenantSpecSchema,
      doc: {
        summary: 'Create a tenant with its interoperability settings and users (all or nothing). Users must be in the tenant\'s domain.',
        answer: { status: 201, body: 'TenantInfo' },
        errors: ['TENANT_EXISTS'],
      },
      handle: (ctx, spec) => ({ status: 201, body: ctx.service.createTenant(spec) }),
    }),
    plain('GET', '/admin/v1/tenants/:domain', { summary: 'One tenant.', answer: { status: 200, body: 'TenantInfo' }, errors: ['TENANT_NOT_FOUND'] }, (ctx) => ({
      status: 200,
      body: ctx.service.getTenant(p(ctx, 'domain')),
    })),
    defineRoute({
      method: 'PATCH',
      path: '/admin/v1/tenants/:domain',
      auth: 'admin',
      body: interopPatchSchema,
      doc: {
        summary: 'Change interoperability settings; absent fields stay. Affects joins from now on: participants already in stay in.',
        answer: { status: 200, body: 'TenantInfo' },
        errors: ['TENANT_NOT_FOUND'],
      },
      handle: (ctx, patch) => ({ status: 200, body: ctx.service.updateInterop(p(ctx, 'domain'), patch) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/v1/tenants/:domain/users',
      auth: 'admin',
      body: userSpecSchema,
      doc: { summary: 'Add a user (a possible meeting organizer).', answer: { status: 201, body: 'UserInfo' }, errors: ['TENANT_NOT_FOUND', 'USER_EXISTS'] },
      handle: (ctx, user) => ({ status: 201, body: ctx.service.addUser(p(ctx, 'domain'), user) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/v1/tenants/:domain/tokens',
      auth: 'admin',
      body: tokenSpecSchema,
      doc: {
        summary: 'Create an interoperability token. The answer is the only one that ever carries the secret; only its SHA-256 hash is kept.',
        answer: { status: 201, body: 'CreatedToken' },
        errors: ['TENANT_NOT_FOUND', 'TOKEN_EXISTS'],
        notes: '`secret` is for scenario files that need a fixed secret; otherwise 32 random bytes (base64url) are generated. An invalid `secret` is never quoted in the error.',
      },
      handle: (ctx, spec) => ({ status: 201, body: ctx.service.createToken(p(ctx, 'domain'), spec) }),
    }),
    plain(
      'GET',
      '/admin/v1/tenants/:domain/tokens',
      { summary: "List a tenant's tokens (never their secrets).", answer: { status: 200, body: '{ tokens: TokenInfo[] }' }, errors: ['TENANT_NOT_FOUND'] },
      (ctx) => ({ status: 200, body: { tokens: ctx.service.listTokens(p(ctx, 'domain')) } }),
    ),
    plain(
      'POST',
      '/admin/v1/tokens/:id/revoke',
      {
        summary: 'Revoke a token; revoking again answers the first revocation. Joins with it then get TOKEN_INVALID; participants already in stay in.',
        answer: { status: 200, body: 'TokenInfo' },
        errors: ['TOKEN_NOT_FOUND'],
      },
      (ctx) => ({ status: 200, body: ctx.service.revokeToken(p(ctx, 'id')) }),
    ),
    plain('GET', '/admin/v1/meetings', { summary: 'List meetings.', answer: { status: 200, body: '{ meetings: MeetingSnapshot[] }' }, errors: [] }, (ctx) => ({
      status: 200,
      body: { meetings: ctx.service.listMeetings() },
    })),
    defineRoute({
      method: 'POST',
      path: '/admin/v1/meetings',
      auth: 'admin',
      body: meetingSpecSchema,
      doc: {
        summary: "Create a meeting in the organizer's tenant. IDs and code are generated unless given.",
        answer: { status: 201, body: 'MeetingSnapshot' },
        errors: ['MEETING_EXISTS', 'UNKNOWN_ORGANIZER'],
        notes:
          '`attendees` are display names of people already in the meeting (default: the organizer; none with `onKnock` `nobodyPresent`); they count toward `capacity`. `onKnock` scripts how knocks are answered (default `ignore`: the knock waits for the admin API or times out).',
      },
      handle: (ctx, spec) => ({ status: 201, body: ctx.service.createMeeting(spec) }),
    }),
    plain(
      'GET',
      '/admin/v1/meetings/:meetingId',
      { summary: 'One meeting, with its participants and lobby.', answer: { status: 200, body: 'MeetingSnapshot' }, errors: ['MEETING_NOT_FOUND'], notes: MEETING_ID_NOTE },
      (ctx) => ({ status: 200, body: ctx.service.getMeeting(p(ctx, 'meetingId')) }),
    ),
    plain(
      'POST',
      '/admin/v1/meetings/:meetingId/end',
      {
        summary: 'End the meeting: everyone leaves, the lobby included (event `ended`, MEETING_ENDED). Ending again changes nothing.',
        answer: { status: 200, body: 'MeetingSnapshot' },
        errors: ['MEETING_NOT_FOUND'],
        notes: MEETING_ID_NOTE,
      },
      (ctx) => ({ status: 200, body: ctx.service.endMeeting(p(ctx, 'meetingId')) }),
    ),
    defineRoute({
      method: 'PATCH',
      path: '/admin/v1/meetings/:meetingId/host',
      auth: 'admin',
      body: hostPatchSchema,
      doc: {
        summary: 'Host management. Turning `videoLock` on ("Turn on their video" off) removes every gateway participant, joined or knocking (event `removed`, VIDEO_LOCKED).',
        answer: { status: 200, body: 'MeetingSnapshot' },
        errors: ['MEETING_NOT_FOUND', 'MEETING_ENDED'],
        notes: `A new \`onKnock\` applies to knocks from then on. ${MEETING_ID_NOTE}`,
      },
      handle: (ctx, patch) => ({ status: 200, body: ctx.service.setHost(p(ctx, 'meetingId'), patch) }),
    }),
    plain(
      'POST',
      '/admin/v1/meetings/:meetingId/lobby/:participantId/admit',
      {
        summary: 'Admit a knocking gateway participant (event `admitted`; `removed` with MEETING_FULL if the meeting filled up meanwhile).',
        answer: { status: 200, body: 'ParticipantView' },
        errors: ['MEETING_NOT_FOUND', 'PARTICIPANT_NOT_FOUND', 'NOT_IN_LOBBY'],
      },
      (ctx) => ({ status: 200, body: ctx.service.admit(p(ctx, 'meetingId'), p(ctx, 'participantId')) }),
    ),
    plain(
      'POST',
      '/admin/v1/meetings/:meetingId/lobby/:participantId/deny',
      {
        summary: 'Deny a knocking gateway participant (event `denied`, KNOCK_DENIED).',
        answer: { status: 200, body: 'ParticipantView' },
        errors: ['MEETING_NOT_FOUND', 'PARTICIPANT_NOT_FOUND', 'NOT_IN_LOBBY'],
      },
      (ctx) => ({ status: 200, body: ctx.service.deny(p(ctx, 'meetingId'), p(ctx, 'participantId')) }),
    ),
    plain(
      'POST',
      '/admin/v1/meetings/:meetingId/participants/:participantId/remove',
      {
        summary: 'Remove a gateway participant, joined or knocking (event `removed`, REMOVED_BY_HOST).',
        answer: { status: 200, body: 'ParticipantView' },
        errors: ['MEETING_NOT_FOUND', 'PARTICIPANT_NOT_FOUND'],
      },
      (ctx) => ({ status: 200, body: ctx.service.removeParticipant(p(ctx, 'meetingId'), p(ctx, 'participantId')) }),
    ),
  ];
}
