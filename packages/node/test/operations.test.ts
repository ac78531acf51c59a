import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { createOffer, serializeSdp } from '@gwsim/media';
import { MeetServer } from '@gwsim/meet';
import { UdpTransport, UserAgent } from '@gwsim/sip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConferencingNode, type ConferencingNodeOptions } from '../src/index.ts';

const timers = { T1: 50, T2: 400, T4: 500 };
const ADMIN_KEY = 'node-admin-key-123';
let meet: MeetServer;
let node: ConferencingNode;
let caller: UserAgent;

async function startNode(extra: Partial<ConferencingNodeOptions> = {}): Promise<ConferencingNode> {
  const t = meet.service.createToken('example.com', { name: `t${Math.random()}`, trusted: true });
  const routing = validateRoutingConfig({ gms_access_tokens: [{ name: 't', token: t.secret }, { name: 'u', token: t.secret }], rules: defaultRules({ trustedToken: 't', untrustedToken: 'u' }) });
  return ConferencingNode.start({ name: 'px09', address: '127.0.27.11', routing, meetUrl: meet.url, timers, logger: silentLogger, admin: { port: 0, adminKey: ADMIN_KEY }, ...extra });
}

beforeEach(async () => {
  meet = await MeetServer.start({ address: '127.0.27.20', port: 0, adminKey: 'ops-admin-key-1' });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '6000000000001' });
  caller = new UserAgent({ transport: await UdpTransport.create({ address: '127.0.27.100' }), timers });
});
afterEach(async () => {
  await node?.close();
  await caller.close();
  await meet.close();
});

const dial = (video = false) =>
  caller.invite({ destination: node.sipAddress, uri: 'sip:6000000000001@vc.example.com', from: 'sip:room@example.com', body: serializeSdp(createOffer({ address: '127.0.27.100', audioPort: 40000, videoPort: video ? 40002 : undefined })) }).result;

async function get(path: string, key: string | null = ADMIN_KEY): Promise<{ status: number; text: string }> {
  const res = await fetch(`${node.admin!.url}${path}`, { headers: key ? { 'x-gwsim-admin-key': key } : {} });
  return { status: res.status, text: await res.text() };
}

describe('capacity and overload (over real SIP)', () => {
  it('refuses a call that does not fit the HD units with 503, Retry-After and a Reason; audio still fits', async () => {
    node = await startNode({ capacityUnits: 1.5 });
    const first = await dial(true); // HD video: 1 unit
    expect(first.status).toBe(200);
    const second = await dial(true);
    expect(second.status).toBe(503);
    expect(second.reason).toBe('Conferencing Node out of capacity');
    expect(second.response.headers.get('Retry-After')).toBe('5');
    expect(second.response.headers.get('Reason')).toContain('cause=503');
    const audio = await dial(false); // 1/16 unit fits in the remaining 0.5
    expect(audio.status).toBe(200);
    expect(node.capacity.dump()).toMatchObject({ usedUnits: 1 + 1 / 16, calls: 2 });
    await first.dialog!.bye();
    await audio.dialog!.bye();
    await new Promise((r) => setTimeout(r, 50));
    expect(node.capacity.used).toBe(0);
  });

  it('sheds INVITEs beyond the arrival-rate limit with 503 before any routing, and keeps serving', async () => {
    node = await startNode({ overload: { maxCallsPerSecond: 2, burst: 2 } });
    const results = await Promise.all([dial(), dial(), dial(), dial()]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
    expect(node.overload.dump().shed).toBe(2);
    for (const r of results) await r.dialog?.bye();
  });
});

describe('admin API and /metrics', () => {
  it('needs the admin key, and reports status, calls, capacity and Prometheus metrics', async () => {
    node = await startNode();
    expect((await get('/api/status', null)).status).toBe(401);
    expect((await get('/api/status', 'wrong-key-xxxxx')).status).toBe(401);
    const r = await dial();
    expect(r.status).toBe(200);
    const status = JSON.parse((await get('/api/status')).text);
    expect(status).toMatchObject({ name: 'px09', activeCalls: 1, capacity: { calls: 1 } });
    expect(JSON.stringify(status)).not.toContain(ADMIN_KEY);
    const calls = JSON.parse((await get('/api/calls')).text).calls;
    expect(calls[0]).toMatchObject({ state: 'connected', meetingId: '6000000000001', quality: 'audio' });
    expect((await get(`/api/calls/${calls[0].id}`)).status).toBe(200);
    expect((await get('/api/calls/nope')).status).toBe(404);
    await r.dialog!.bye();
    await dial().then(async (x) => x.dialog?.bye()); // a second call, for the counters
    await new Promise((res) => setTimeout(res, 50));
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(/^gwsim_node_calls_total\{outcome="CONNECTED"\} 2$/m);
    expect(metrics).toMatch(/^gwsim_node_call_setup_seconds_count 2$/m);
    expect(metrics).toMatch(/^gwsim_node_active_calls 0$/m);
    expect(metrics).toMatch(/^# TYPE gwsim_node_call_setup_seconds histogram$/m);
    const post = await fetch(`${node.admin!.url}/api/status`, { method: 'POST', headers: { 'x-gwsim-admin-key': ADMIN_KEY } });
    expect(post.status).toBe(405);
  });
});
