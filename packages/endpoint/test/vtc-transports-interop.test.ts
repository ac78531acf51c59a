/**
 * The VTC persona over TCP and TLS against a real Conferencing Node, Meet mock and DNS server: RFC 3263 picks
 * `_sip._tcp` for a TCP VTC and `_sips._tcp` for TLS (a `sips:` dial string, or a VTC that prefers TLS), and
 * the node's own requests (its BYE with a Reason) come back over the connection the VTC opened.
 */
import { outcomeFromReason } from '@gwsim/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vtc, type VtcOptions } from '../src/index.ts';
import { MEETINGS, startGateway, timers, type Gateway } from './support/gateway.ts';
import { selfSignedCert } from './support/tls-cert.ts';

const B = '127.0.50';
const cert = selfSignedCert([`${B}.11`]);
let gw: Gateway;
const vtcs: Vtc[] = [];

beforeAll(async () => {
  gw = await startGateway(B, [{ transport: 'tcp' }, { transport: 'tls', tls: { key: cert.key, cert: cert.cert } }]);
});
afterAll(async () => {
  await Promise.all(vtcs.map((v) => v.close()));
  await gw?.close();
});

async function vtc(host: number, options: Partial<VtcOptions>): Promise<Vtc> {
  const v = await Vtc.start({ name: `room${host}`, address: `${B}.${host}`, dns: [{ address: `${B}.53`, port: gw.dns.port }], timers, ...options });
  vtcs.push(v);
  return v;
}

function nodeCall(callId: string) {
  return gw.node.calls().find((c) => c.sipCallId === callId);
}

describe('Vtc over TCP', () => {
  it('registers over TCP, dials by alias via _sip._tcp, is trusted, gets meeting media, hangs up', async () => {
    const v = await vtc(100, { transport: 'tcp' });
    expect((await v.register('vc.example.com')).status).toBe(200);
    expect(gw.node.registrar.dump().find((b) => b.aor === 'room100@example.com')?.contact).toMatch(/;transport=tcp$/);
    const r = await v.dial(`sip:${MEETINGS.open}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(r.attempts.map((a) => [a.target.transport, a.target.host, a.target.port, a.target.source])).toEqual([['tcp', 'px01.vc.example.com', gw.listener('tcp').port, 'srv']]);
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    expect(r.call!.mediaStates.map((m) => m.state)).toEqual(['meeting']); // trusted: no lobby
    expect(nodeCall(r.call!.callId)).toMatchObject({ token: 't', outcome: 'CONNECTED' });
    const bye = await r.call!.hangup();
    expect(bye?.status).toBe(200);
    expect(nodeCall(r.call!.callId)).toMatchObject({ state: 'ended', endedBy: 'caller' });
  });
});

describe('Vtc over TLS', () => {
  it('a VTC that prefers TLS registers and dials a sip: alias over TLS (_sips._tcp), trusted', async () => {
    const v = await vtc(101, { transport: 'tls', tls: { ca: cert.cert } });
    expect((await v.register('vc.example.com')).status).toBe(200);
    expect(gw.node.registrar.dump().find((b) => b.aor === 'room101@example.com')?.contact).toMatch(/;transport=tls$/);
    const r = await v.dial(`sip:${MEETINGS.open}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(r.attempts.map((a) => [a.target.transport, a.target.port])).toEqual([['tls', gw.listener('tls').port]]);
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    expect(nodeCall(r.call!.callId)).toMatchObject({ token: 't', outcome: 'CONNECTED' });
    expect((await r.call!.hangup())?.status).toBe(200);
    expect(v.dump().transports).toEqual(['tls']);
  });

  it('sips: dial string from a UDP VTC → RFC 3263 TLS target; untrusted → lobby → denied → BYE with Reason 603 over TLS', async () => {
    const v = await vtc(102, { tls: { ca: cert.cert } }); // preferred transport UDP: the sips: URI alone selects TLS
    const r = await v.dial(`sips:${MEETINGS.denies}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(r.attempts.map((a) => [a.target.transport, a.target.port])).toEqual([['tls', gw.listener('tls').port]]);
    expect(await r.call!.waitForMedia('lobby', 3000)).toBe(true);
    const end = await r.call!.ended;
    expect(end.by).toBe('remote');
    expect(outcomeFromReason(end.reason)).toBe('KNOCK_DENIED');
    expect(end.reason).toMatch(/^SIP;cause=603;/);
    expect(v.dump().transports).toEqual(['udp', 'tls']);
  });

  it('a node certificate the VTC does not trust: the call fails locally with 503 and no call', async () => {
    const v = await vtc(103, { transport: 'tls' }); // no CA: Node's bundled roots do not know the test certificate
    const r = await v.dial(`sips:${MEETINGS.open}@vc.example.com`);
    expect([r.status, r.call]).toEqual([503, null]);
    expect(r.attempts.map((a) => [a.target.transport, a.local])).toEqual([['tls', true]]);
    expect(gw.node.calls().some((c) => c.caller.includes('room103'))).toBe(false);
  });
});
