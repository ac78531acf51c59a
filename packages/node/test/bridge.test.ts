/**
 * CallBridge on its own: RtpPorts on the node side, a raw RtpPort pair standing in for the endpoint, and a
 * WebRtcPeer answerer that echoes (Meet's behaviour) on the far side.
 */
import { echoLoop, emptyProbe, PROBE_BYTES, readProbe, RtpPort, WebRtcPeer, writeProbe, writeRtpHeaderFields } from '@gwsim/media';
import { describe, expect, it } from 'vitest';
import { CallBridge } from '../src/call-bridge.ts';
import { cleanupAfterEach, until } from './support/wait.ts';

const NODE = '127.0.62.111';
const EP = '127.0.62.112';
const MEET = '127.0.62.120';
const closers = cleanupAfterEach();


async function port(address: string): Promise<RtpPort> {
  const p = await RtpPort.open(address);
  closers.push(() => p.close());
  return p;
}

/** An endpoint packet with a probe trailer (origin endpoint). */
function packet(pt: number, seq: number, ssrc: number, streamId: number, size = 100): Buffer {
  const buf = Buffer.alloc(12 + size);
  writeRtpHeaderFields(buf, pt, seq, seq * 960, ssrc, false);
  writeProbe(buf, buf.length, streamId, seq, 0, 'endpoint');
  return buf;
}

describe('CallBridge', () => {
  it('holds in the lobby, then forwards both ways; content on its own WebRTC track comes back on the content stream; DTMF is consumed', async () => {
    const [nAudio, nVideo, nContent, eAudio, eVideo, eContent] = await Promise.all([port(NODE), port(NODE), port(NODE), port(EP), port(EP), port(EP)]);
    const target = (p: RtpPort) => ({ address: p.address, port: p.port });
    const bridge = await CallBridge.open({
      address: NODE,
      streams: {
        audio: { port: nAudio, target: target(eAudio), payloadType: 111, clockRate: 48000, consumePayloadType: 101 },
        video: { port: nVideo, target: target(eVideo), payloadType: 96, clockRate: 90000 },
        content: { port: nContent, target: target(eContent), payloadType: 96, clockRate: 90000 },
      },
    });
    closers.push(() => bridge.close());
    const meet = await WebRtcPeer.create({ address: MEET });
    closers.push(() => meet.close());
    await bridge.accept(await meet.acceptOffer(bridge.offer));
    await Promise.all([bridge.peer.waitConnected(5000), meet.waitConnected(5000)]);
    echoLoop(meet).start();

    const got = { audio: [] as Buffer[], video: [] as Buffer[], content: [] as Buffer[] };
    eAudio.onRaw((p) => got.audio.push(Buffer.from(p)));
    eVideo.onRaw((p) => got.video.push(Buffer.from(p)));
    eContent.onRaw((p) => got.content.push(Buffer.from(p)));

    // lobby: the node's splash reaches the endpoint, endpoint media is held
    const splash = Buffer.alloc(40 + PROBE_BYTES);
    for (let i = 0; i < 3; i++) {
      writeProbe(splash, splash.length, 7, i, 0, 'node-lobby');
      bridge.sendLocal('audio', splash, 960);
      await new Promise((r) => setTimeout(r, 5));
    }
    eAudio.sendRaw(target(nAudio), packet(111, 1, 0xa, 1));
    await until('splash', () => got.audio.length === 3);
    await until('held', () => bridge.stats().streams.audio!.held === 1);
    expect(bridge.stats()).toMatchObject({ mode: 'held', totals: { node_to_meet: { packets: 0 } } });

    bridge.setForwarding(true);
    for (let seq = 2; seq < 12; seq++) {
      eAudio.sendRaw(target(nAudio), packet(111, seq, 0xa, 1));
      eVideo.sendRaw(target(nVideo), packet(96, seq, 0xb, 2, 900));
      eContent.sendRaw(target(nContent), packet(96, seq, 0xc, 3, 700));
      await new Promise((r) => setTimeout(r, 5));
    }
    eAudio.sendRaw(target(nAudio), packet(101, 12, 0xa, 1)); // telephone-event: consumed
    await until('echoes', () => got.audio.length === 13 && got.video.length === 10 && got.content.length === 10);
    await until('DTMF consumed', () => bridge.stats().streams.audio!.held === 2);

    const probe = emptyProbe();
    const streamIds = (list: Buffer[]) => new Set(list.map((p) => (readProbe(p, probe) ? `${probe.origin}:${probe.streamId}` : 'none')));
    expect(streamIds(got.video)).toEqual(new Set(['meet-echo:2']));
    expect(streamIds(got.content)).toEqual(new Set(['meet-echo:3']));
    expect(streamIds(got.audio.slice(3))).toEqual(new Set(['meet-echo:1']));
    // one SSRC per stream towards the endpoint (the node's port SSRC), splash and meeting alike; sequence
    // numbers continuous across the switch and within the demuxed content stream
    expect(new Set(got.audio.map((p) => p.readUInt32BE(8)))).toEqual(new Set([nAudio.ssrc]));
    for (const list of [got.audio, got.content, got.video]) {
      list.forEach((p, i) => i > 0 && expect((p.readUInt16BE(2) - list[i - 1]!.readUInt16BE(2)) & 0xffff).toBe(1));
      expect(new Set(list.map((p) => p[1]! & 0x7f)).size).toBe(1);
    }
    const s = bridge.stats();
    expect(s.content).toBe('track');
    expect(s.streams.audio).toMatchObject({ held: 2, local: { packets: 3 }, hops: { endpoint_to_node: { packets: 12 }, node_to_meet: { packets: 10 }, meet_to_node: { packets: 10 }, node_to_endpoint: { packets: 10 } } });
    expect(s.streams.content!.hops.node_to_endpoint.packets).toBe(10);
    expect(s.loss.endpoint.lost).toBe(0);
    expect(s.loss.endpoint.expected).toBeGreaterThan(25);
    expect(s.loss.meet.lost).toBe(0);

    await bridge.close();
    expect(bridge.mode).toBe('closed');
    expect(bridge.peer.closed).toBe(true);
  });
});
