/**
 * Measured endpoint media (persona option `media`) against real Conferencing Nodes and the Meet mock: through
 * a bridging node (WebRTC to Meet, which echoes) the caller recognises the lobby by the `node-lobby` probe
 * origin and the meeting by its own probes coming back (`meet-echo`), on audio, video and content, with zero
 * loss and a measured round trip; through a node without a bridge it still reads the marked frames.
 */
import type { MediaSessionStats, StreamName } from '@gwsim/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipJsPersona, Vtc, type EndpointMediaOptions, type EndpointPersona, type PersonaCall } from '../src/index.ts';
import { MEETINGS, startGateway, timers, type Gateway } from './support/gateway.ts';

const B = '127.0.66';
let bridged: Gateway;
let plain: Gateway;
const personas: EndpointPersona[] = [];

beforeAll(async () => {
  bridged = await startGateway(B, [{ transport: 'udp', port: 5060 }, { transport: 'ws' }], { bridge: true });
  plain = await startGateway(B, [{ transport: 'udp', port: 5060 }], { hostOffset: 100 });
});
afterAll(async () => {
  await Promise.all(personas.map((p) => p.close()));
  await bridged?.close();
  await plain?.close();
});

async function vtc(host: number, media: EndpointMediaOptions): Promise<Vtc> {
  const v = await Vtc.start({ name: `room${host}`, address: `${B}.${host}`, dns: [{ address: `${B}.53`, port: bridged.dns.port }], timers, media });
  personas.push(v);
  return v;
}

/** Hold the call, hang up, and let what is in flight land: the figures are then final. */
async function holdAndHangUp(call: PersonaCall, ms: number): Promise<MediaSessionStats> {
  await new Promise((r) => setTimeout(r, ms));
  await call.hangup();
  return call.mediaStats()!;
}

function nodeCall(gw: Gateway, callId: string) {
  return gw.node.calls().find((c) => c.sipCallId === callId);
}

async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('measured endpoint media', () => {
  it('Vtc, Opus + video + content through a bridge: node-lobby splash, admitted, every stream echoed by Meet with 0 loss and an RTT', async () => {
    const room = await vtc(200, { audio: 'opus', video: true, content: true });
    const r = await room.dial(`${MEETINGS.open}@${B}.11`); // not registered: untrusted, admitted after 300 ms
    expect(r.status).toBe(200);
    const call = r.call!;
    expect(await call.waitForMedia('lobby', 3000)).toBe(true);
    expect(await call.waitForMedia('meeting', 5000)).toBe(true);
    expect(call.mediaStates.map((m) => m.state)).toEqual(['lobby', 'meeting']);
    const s = await holdAndHangUp(call, 1200);
    const streams: StreamName[] = ['audio', 'video', 'content'];
    for (const name of streams) {
      const st = s.streams[name]!;
      expect(st.sent.packets, name).toBeGreaterThan(10);
      expect(st.origins['meet-echo'], name).toBeGreaterThan(5);
      expect(st.received.lost, name).toBe(0);
      expect(st.rtt?.count, name).toBeGreaterThan(5);
    }
    expect(s.streams.audio!.origins['node-lobby']).toBeGreaterThan(0);
    expect(s.streams.audio!.quality!.codec).toBe('opus');
    expect(s.streams.audio!.quality!.mos).toBeGreaterThan(4);
    await until('the node ends the call', () => nodeCall(bridged, call.callId)?.state === 'ended');
    const hops = nodeCall(bridged, call.callId)!.media!.totals;
    for (const hop of ['endpoint_to_node', 'node_to_meet', 'meet_to_node', 'node_to_endpoint'] as const) expect(hops[hop].packets, hop).toBeGreaterThan(0);
    expect(call.rttHistogram('video')!.count).toBe(s.streams.video!.rtt!.count);
  });

  it('SipJsPersona, PCMU audio through the bridge, registered (trusted): in the meeting by its own echo', async () => {
    const p = await SipJsPersona.start({ name: 'browser201', address: `${B}.201`, server: `ws://${B}.11:${bridged.listener('ws').port}`, media: {} });
    personas.push(p);
    expect((await p.register()).status).toBe(200);
    const r = await p.dial(`${MEETINGS.open}@vc.example.com`);
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    expect(r.call!.mediaStates.map((m) => m.state)).toEqual(['meeting']);
    const s = await holdAndHangUp(r.call!, 500);
    expect(Object.keys(s.streams)).toEqual(['audio']);
    expect(s.streams.audio!.quality!.codec).toBe('pcmu');
    expect(s.streams.audio!.rtt!.count).toBeGreaterThan(5);
    expect(s.streams.audio!.received.lost).toBe(0);
  });

  it('through a node without a bridge: marked frames still say lobby and meeting; VP8 video is refused, nothing echoes', async () => {
    const room = await vtc(202, { video: true });
    const r = await room.dial(`${MEETINGS.open}@${B}.111`);
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('meeting', 5000)).toBe(true);
    expect(r.call!.mediaStates.map((m) => m.state)).toEqual(['lobby', 'meeting']);
    const s = await holdAndHangUp(r.call!, 300);
    expect(s.streams.video!.remote).toBeNull();
    expect(s.streams.video!.sent.packets).toBe(0);
    expect(s.streams.audio!.received.packets).toBeGreaterThan(10);
    expect(s.streams.audio!.rtt).toBeNull();
    expect(s.streams.audio!.quality!.mos).toBeGreaterThan(4);
    await until('the node ends the call', () => nodeCall(plain, r.call!.callId)?.state === 'ended');
    expect(nodeCall(plain, r.call!.callId)!.rtp!.packetsIn).toBeGreaterThan(10); // sent from the answer, lobby included
  });
});
