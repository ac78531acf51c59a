/**
 * The sip.js persona (sip.js 0.21, an independent SIP implementation) against a real Conferencing Node's
 * SIP-over-WebSocket listeners and the Meet mock: registration makes it trusted, otherwise it waits in the
 * lobby; refusals arrive as a final response or as a BYE with a Reason; the node's marked RTP reaches the
 * persona's own RTP port, which is how it tells the lobby from the meeting.
 */
import { GwsimError } from '@gwsim/common';
import { outcomeFromReason } from '@gwsim/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipJsPersona, type EndpointPersona, type SipJsPersonaOptions } from '../src/index.ts';
import { MEETINGS, RECEPTION, startGateway, type Gateway } from './support/gateway.ts';
import { selfSignedCert } from './support/tls-cert.ts';

const B = '127.0.51';
const cert = selfSignedCert([`${B}.11`]);
let gw: Gateway;
let ws: string;
const personas: SipJsPersona[] = [];

beforeAll(async () => {
  gw = await startGateway(B, [{ transport: 'ws' }, { transport: 'wss', tls: { key: cert.key, cert: cert.cert } }]);
  ws = `ws://${B}.11:${gw.listener('ws').port}`;
});
afterAll(async () => {
  await Promise.all(personas.map((p) => p.close()));
  await gw?.close();
});

async function persona(host: number, options: Partial<SipJsPersonaOptions> = {}): Promise<SipJsPersona> {
  const p = await SipJsPersona.start({ name: `browser${host}`, displayName: `Browser ${host}`, address: `${B}.${host}`, server: ws, ...options });
  personas.push(p);
  return p;
}

function nodeCall(callId: string) {
  return gw.node.calls().find((c) => c.sipCallId === callId);
}

describe('sip.js persona over WS', () => {
  it('registered over WS → trusted: straight into the meeting, marked media on its RTP port; hangs up with BYE', async () => {
    const p: EndpointPersona = await persona(100);
    expect(await p.register()).toEqual({ status: 200, reason: 'OK' });
    expect(gw.node.registrar.dump().find((b) => b.aor === 'browser100@example.com')?.contact).toMatch(/\.invalid;transport=ws$/);
    const r = await p.dial(`${MEETINGS.open}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(r.attempts).toEqual([{ target: { host: `${B}.11`, address: `${B}.11`, port: gw.listener('ws').port, transport: 'ws' }, status: 200, reason: 'OK', local: false }]);
    expect(r.call!.remoteMedia?.address).toBe(`${B}.11`);
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    expect(r.call!.mediaStates.map((m) => m.state)).toEqual(['meeting']);
    expect(nodeCall(r.call!.callId)).toMatchObject({ token: 't', outcome: 'CONNECTED', caller: expect.stringContaining('"Browser 100"') });
    r.call!.startMedia();
    await new Promise((res) => setTimeout(res, 200));
    expect(await r.call!.hangup()).toEqual({ status: 200, reason: 'OK' });
    expect(await r.call!.ended).toEqual({ by: 'local', reason: null });
    const done = nodeCall(r.call!.callId)!;
    expect(done).toMatchObject({ state: 'ended', endedBy: 'caller' });
    expect(done.rtp!.packetsIn).toBeGreaterThan(0); // our RTP reached the node
  });

  it('not registered → untrusted: lobby splash, the host admits, then meeting media', async () => {
    const p = await persona(101);
    const r = await p.dial(`sip:${MEETINGS.open}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('meeting', 5000)).toBe(true);
    const [lobby, meeting] = r.call!.mediaStates;
    expect([lobby?.state, meeting?.state]).toEqual(['lobby', 'meeting']);
    expect(meeting!.at).toBeGreaterThan(lobby!.at); // the host admits 300 ms after the knock
    expect(nodeCall(r.call!.callId)).toMatchObject({ token: 'u', state: 'connected' });
    expect((await r.call!.hangup())?.status).toBe(200);
  });

  it('a refusal before answer: 403 with its Reason header, no call', async () => {
    const p = await persona(102);
    const r = await p.dial(`sip:${MEETINGS.videoLocked}@vc.example.com`);
    expect([r.status, r.call]).toEqual([403, null]);
    expect(outcomeFromReason(r.reasonHeader)).toBe('VIDEO_LOCKED');
    expect(r.reasonHeader).toMatch(/^SIP;cause=403;text="/);
    expect(r.attempts[0]!.local).toBe(false);
  });

  it('a refusal in the lobby: the node BYEs over the WebSocket with Reason cause=603', async () => {
    const p = await persona(103);
    const r = await p.dial(`sip:${MEETINGS.denies}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('lobby', 3000)).toBe(true);
    const end = await r.call!.ended;
    expect(end.by).toBe('remote');
    expect(outcomeFromReason(end.reason)).toBe('KNOCK_DENIED');
    expect(await r.call!.waitForMedia('meeting', 10)).toBe(false);
    expect(await r.call!.hangup()).toBeNull(); // already over
  });

  it('Virtual Reception: the meeting ID keyed as SIP INFO sent by sip.js', async () => {
    const p = await persona(104);
    const r = await p.dial(`sip:${RECEPTION}`);
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('reception', 3000)).toBe(true);
    await expect(r.call!.sendDtmf('12x')).rejects.toThrow('"x" is not a DTMF key');
    await r.call!.sendDtmf(`${MEETINGS.open}#`, 'info', 20);
    expect(await r.call!.waitForMedia('meeting', 5000)).toBe(true);
    expect(nodeCall(r.call!.callId)).toMatchObject({ entered: MEETINGS.open, meetingId: MEETINGS.open, outcome: 'CONNECTED' });
    expect((await r.call!.hangup())?.status).toBe(200);
  });
});

describe('sip.js persona over WSS, and its configuration errors', () => {
  it('trusts the node certificate through its CA and joins over WSS', async () => {
    const p = await persona(110, { server: `wss://${B}.11:${gw.listener('wss').port}`, tls: { ca: cert.cert } });
    expect((await p.register()).status).toBe(200);
    const r = await p.dial(`sip:${MEETINGS.open}@vc.example.com`);
    expect([r.status, r.attempts[0]!.target.transport]).toEqual([200, 'wss']);
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    expect((await r.call!.hangup())?.status).toBe(200);
  });

  it('an untrusted certificate or a dead server fails start() with a transport error; a bad URL names the field', async () => {
    const untrusted = SipJsPersona.start({ name: 'x', address: `${B}.111`, server: `wss://${B}.11:${gw.listener('wss').port}` });
    await expect(untrusted).rejects.toMatchObject({ code: 'GWSIM_ERR_TRANSPORT' });
    const dead = SipJsPersona.start({ name: 'x', address: `${B}.111`, server: `ws://${B}.12:9` });
    await expect(dead).rejects.toBeInstanceOf(GwsimError);
    await expect(SipJsPersona.start({ name: 'x', address: `${B}.111`, server: `sip:${B}.11` })).rejects.toThrow('server: "sip:127.0.51.11": expected a ws:// or wss:// URL');
  });
});
