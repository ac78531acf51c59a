/**
 * End to end through real sockets: DNS (NAPTR/SRV) → the node's SIP listener → the Meet mock over WebRTC
 * (werift on both sides: ICE, DTLS, SRTP) and back. The endpoint is a MediaSession sending Opus audio, VP8
 * video and VP8 content with probe payloads over plain RTP; Meet echoes. Asserts the lobby (node-lobby
 * origin, nothing forwarded) until the host admits, then the meeting (meet-echo origin on every stream),
 * packets at each hop, zero loss on loopback and a measured round trip.
 */
import { silentLogger } from '@gwsim/common';
import { SipResolver } from '@gwsim/dns';
import { createOffer, DEFAULT_AUDIO_CODECS, MediaSession, mediaTargets, parseSdp, serializeSdp, VP8_CODEC, type MediaSessionStats, type StreamName } from '@gwsim/media';
import { describe, expect, it } from 'vitest';
import { ConferencingNode } from '../src/index.ts';
import { callerSide, meetAndRouting } from './support/meet-platform.ts';
import { cleanupAfterEach, until } from './support/wait.ts';

const timers = { T1: 50, T2: 400, T4: 500 };
const STREAMS: readonly StreamName[] = ['audio', 'video', 'content'];
const cleanup = cleanupAfterEach();


async function platform(octet: number, bridge: boolean) {
  const base = `127.0.${octet}`;
  const { meet, routing } = await meetAndRouting(base, cleanup);
  const node = await ConferencingNode.start({ name: 'px01', address: `${base}.11`, sipPort: 5060, routing, meetUrl: meet.url, timers, logger: silentLogger, bridge });
  cleanup.push(() => node.close());
  const { dns, caller, session, ticker } = await callerSide(base, cleanup, timers);
  return { meet, node, dns, caller, session, ticker, base };
}

function endpointOffer(session: MediaSession, address: string): string {
  const audio = DEFAULT_AUDIO_CODECS.filter((c) => c.name === 'opus' || c.name === 'telephone-event');
  return serializeSdp(
    createOffer({ address, audioPort: session.port('audio').port, videoPort: session.port('video').port, contentPort: session.port('content').port, rtcpMux: true, codecs: { audio, video: [VP8_CODEC] } }),
  );
}

const origins = (s: MediaSessionStats, name: StreamName) => s.streams[name]!.origins;

describe('node media bridge (DNS → node → Meet over WebRTC and back)', () => {
  it('lobby plays node-lobby media and forwards nothing; once admitted, audio + video + content make the round trip with 0 loss and a measured RTT', async () => {
    const { meet, node, dns, caller, session, ticker, base } = await platform(61, true);
    const m = meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '2000000000061', onKnock: { kind: 'ignore' } });

    // DNS: the caller finds the node by NAPTR → SRV → A, as a room system would.
    const resolver = new SipResolver({ servers: [{ address: dns.address, port: dns.port }], timeoutMs: 2000, retries: 1, transports: ['udp'] });
    const [target] = await resolver.resolve({ host: 'vc.example.com' });
    expect(target).toMatchObject({ address: `${base}.11`, port: 5060 });

    const r = await caller.invite({ destination: { address: target!.address, port: target!.port }, uri: `sip:${m.meetingId}@vc.example.com`, from: 'sip:guest@example.com', fromDisplayName: 'Guest', body: endpointOffer(session, `${base}.100`) }).result;
    expect(r.status).toBe(200); // lobby presentation `answer`: 200 at once, the splash until admitted
    const answer = parseSdp(r.response.body.toString('utf8'));
    session.setRemotes(mediaTargets(answer));
    expect(Object.keys(mediaTargets(answer)).sort()).toEqual(['audio', 'content', 'video']);
    session.start(ticker);

    // Lobby: the node's own waiting media reaches the endpoint; nothing of Meet's, nothing forwarded.
    await until('lobby media', () => (origins(session.stats(), 'audio')['node-lobby'] ?? 0) >= 15);
    const call = node.calls()[0]!;
    expect(call).toMatchObject({ state: 'lobby', token: 'untrusted' });
    expect(call.media).toMatchObject({ mode: 'held' });
    expect(call.media!.totals.node_to_meet.packets).toBe(0);
    expect(call.media!.totals.endpoint_to_node.packets).toBeGreaterThan(0);
    const inLobby = session.stats();
    for (const name of STREAMS) expect(origins(inLobby, name)['meet-echo']).toBeUndefined();

    // The host admits: Meet's echo flows and the node forwards both ways.
    meet.service.admit(m.meetingId, call.participantId!);
    await until('meet-echo on every stream', () => STREAMS.every((n) => (origins(session.stats(), n)['meet-echo'] ?? 0) >= 20));
    await new Promise((res) => setTimeout(res, 1500));
    session.stop();
    await new Promise((res) => setTimeout(res, 500)); // drain: everything in flight arrives

    const ep = session.stats();
    const bridged = node.calls()[0]!.media!;
    expect(bridged).toMatchObject({ mode: 'forwarding', peer: 'connected' });
    const meetTracks = meet.answerer!.dump().peers[0]!.peer.tracks;
    for (const name of STREAMS) {
      const s = bridged.streams[name]!;
      const e = ep.streams[name]!;
      // every hop carried packets, and each hop received what the previous one sent
      for (const hop of ['endpoint_to_node', 'node_to_meet', 'meet_to_node', 'node_to_endpoint'] as const) expect(s.hops[hop].packets, `${name} ${hop}`).toBeGreaterThan(20);
      expect(s.hops.endpoint_to_node.packets).toBe(e.sent.packets);
      expect(s.hops.node_to_meet.packets + s.held).toBe(s.hops.endpoint_to_node.packets);
      expect(s.hops.meet_to_node.packets).toBe(s.hops.node_to_meet.packets); // Meet echoes every packet
      expect(e.received.packets).toBe(s.hops.node_to_endpoint.packets + s.local.packets);
      // RFC 3550 loss at the node (both legs) and at the endpoint: 0 on loopback
      expect(s.loss.endpoint.lost).toBe(0);
      expect(s.loss.meet.lost).toBe(0);
      expect(e.received.lost).toBe(0);
      // round trip of the endpoint's own probes, echoed by Meet through the node
      expect(e.rtt, name).not.toBeNull();
      expect(e.rtt!.count).toBeGreaterThan(20);
      expect(origins(ep, name)['meet-echo']).toBeGreaterThan(20);
    }
    expect(bridged.streams.audio!.local.packets).toBeGreaterThanOrEqual(15);
    // lobby splash → meeting media on one SSRC with continuous sequence numbers (the rewriter), as a translator must
    expect(ep.streams.audio!.received.sources).toBe(1);
    expect(['track', 'muxed-on-video']).toContain(bridged.content);
    expect(origins(ep, 'audio')['node-lobby']).toBe(bridged.streams.audio!.local.packets);
    // Meet's side of the WebRTC leg saw what the node sent (werift counts payload bytes)
    const meetIn = meetTracks.reduce((n, t) => n + t.packetsIn, 0);
    expect(meetIn).toBe(bridged.totals.node_to_meet.packets);
    // /metrics: live counters by hop
    const metrics = node.metrics.format();
    expect(metrics).toMatch(new RegExp(`gwsim_node_media_packets_total\\{hop="node_to_meet"\\} ${bridged.totals.node_to_meet.packets}\\b`));
    await r.dialog!.bye();
    await until('call ended', () => node.calls()[0]!.state === 'ended');
    expect(node.calls()[0]!.media!.mode).toBe('closed');
    await until('Meet peer closed', () => meet.answerer!.size === 0);
  });

  it('bridge off (the default): the join carries no offer and the node plays its marked frames', async () => {
    const { meet, node, caller, session, base } = await platform(62, false);
    const m = meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '2000000000062', onKnock: { kind: 'admit', afterMs: 0 } });
    const r = await caller.invite({ destination: { address: `${base}.11`, port: 5060 }, uri: `sip:${m.meetingId}@vc.example.com`, from: 'sip:guest@example.com', body: endpointOffer(session, `${base}.100`) }).result;
    expect(r.status).toBe(200);
    await until('connected', () => node.calls()[0]?.state === 'connected');
    expect(meet.answerer!.size).toBe(0);
    expect(node.calls()[0]!.media).toBeNull();
    // no content port without the bridge: the answer rejects the slides stream as before
    expect(mediaTargets(parseSdp(r.response.body.toString('utf8'))).content).toBeUndefined();
    await r.dialog!.bye();
  });
});
