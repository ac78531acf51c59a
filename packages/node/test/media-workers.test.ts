/**
 * The node with `mediaWorkers: 2`: every call's media (RTP ports, DTMF receiver, player, media bridge with its
 * WebRTC peer) runs on a worker thread, and the bridged end-to-end behaviour of bridge-interop-media.test.ts
 * holds as it is: DNS → node → Meet echo over WebRTC and back, lobby then meeting, packets at every hop, loss 0.
 * Also: Virtual Reception digits by RFC 4733, /metrics, shutdown (no worker, no socket left), a worker that dies.
 * Worker snapshots are pushed every MEDIA_STATS_EVERY_MS, so live values are awaited rather than read once.
 */
import dgram from 'node:dgram';
import { threadId } from 'node:worker_threads';
import { createLogger, silentLogger } from '@gwsim/common';
import { validateRoutingConfig } from '@gwsim/dialplan';
import { DnsServer, SipResolver, sipZone } from '@gwsim/dns';
import { Vtc } from '@gwsim/endpoint';
import { createOffer, DEFAULT_AUDIO_CODECS, MediaSession, mediaTargets, parseSdp, serializeSdp, VP8_CODEC, type MediaSessionStats, type StreamName } from '@gwsim/media';
import { describe, expect, it } from 'vitest';
import { ConferencingNode, MediaWorkerPool, outcomeFromReason, type CallSnapshot, type ConferencingNodeOptions } from '../src/index.ts';
import { callerSide, meetAndRouting as meetPlatform } from './support/meet-platform.ts';
import { cleanupAfterEach, until } from './support/wait.ts';

const timers = { T1: 50, T2: 400, T4: 500 };
const STREAMS: readonly StreamName[] = ['audio', 'video', 'content'];
const HOPS = ['endpoint_to_node', 'node_to_meet', 'meet_to_node', 'node_to_endpoint'] as const;
const cleanup = cleanupAfterEach();


function meetAndRouting(base: string) {
  return meetPlatform(base, cleanup, { virtual_receptions: [{ name: 'Meet lobby', alias: 'meet@vc.example.com', match_string: '\\d{13}' }] });
}

async function startNode(options: ConferencingNodeOptions): Promise<ConferencingNode> {
  const node = await ConferencingNode.start(options);
  cleanup.push(() => node.close());
  return node;
}

function endpointOffer(session: MediaSession, address: string): string {
  const audio = DEFAULT_AUDIO_CODECS.filter((c) => c.name === 'opus' || c.name === 'telephone-event');
  return serializeSdp(
    createOffer({ address, audioPort: session.port('audio').port, videoPort: session.port('video').port, contentPort: session.port('content').port, rtcpMux: true, codecs: { audio, video: [VP8_CODEC] } }),
  );
}

const origins = (s: MediaSessionStats, name: StreamName) => s.streams[name]!.origins;

function nextCallEnded(node: ConferencingNode): Promise<CallSnapshot> {
  return new Promise((resolve) => node.once('callEnded', resolve));
}

/** Whether a UDP port on `address` can be bound again (its socket is closed). */
function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, address, () => s.close(() => resolve(true)));
  });
}

describe('media workers (node option mediaWorkers: 2)', () => {
  it('a bridged call through DNS, the node and Meet echo: media on a worker thread, lobby then meeting, every hop, loss 0, /metrics; close leaves no worker and no socket', async () => {
    const base = '127.0.65';
    const { meet, routing } = await meetAndRouting(base);
    const node = await startNode({ name: 'px01', address: `${base}.11`, sipPort: 5060, routing, meetUrl: meet.url, timers, logger: silentLogger, bridge: true, mediaWorkers: 2 });
    // the workers are up before the node takes its first INVITE
    const workers = node.dump().mediaWorkers;
    expect(workers).toHaveLength(2);
    expect(workers.every((w) => w.alive && w.threadId !== threadId)).toBe(true);
    const { dns, caller, session, ticker } = await callerSide(base, cleanup, timers);
    const m = meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '2000000000065', onKnock: { kind: 'ignore' } });

    const resolver = new SipResolver({ servers: [{ address: dns.address, port: dns.port }], timeoutMs: 2000, retries: 1, transports: ['udp'] });
    const [target] = await resolver.resolve({ host: 'vc.example.com' });
    expect(target).toMatchObject({ address: `${base}.11`, port: 5060 });
    const r = await caller.invite({ destination: { address: target!.address, port: target!.port }, uri: `sip:${m.meetingId}@vc.example.com`, from: 'sip:guest@example.com', fromDisplayName: 'Guest', body: endpointOffer(session, `${base}.100`) }).result;
    expect(r.status).toBe(200);
    const answer = parseSdp(r.response.body.toString('utf8'));
    const targets = mediaTargets(answer);
    session.setRemotes(targets);
    expect(Object.keys(targets).sort()).toEqual(['audio', 'content', 'video']);
    session.start(ticker);

    // The call's RTP ports are held by a worker thread, not by this one.
    const held = (await node.mediaWorkerDebug()).filter((d) => d.calls.length > 0);
    expect(held).toHaveLength(1);
    expect(held[0]!.threadId).not.toBe(threadId);
    expect(workers.map((w) => w.threadId)).toContain(held[0]!.threadId);
    expect(held[0]!.calls[0]).toMatchObject({ id: node.calls()[0]!.id, ports: { audio: targets.audio!.port, video: targets.video!.port, content: targets.content!.port } });
    expect(node.dump().mediaWorkers.map((w) => w.calls).sort()).toEqual([0, 1]);

    // Lobby: the node's waiting media (played on the worker) reaches the endpoint; nothing is forwarded.
    await until('lobby media', () => (origins(session.stats(), 'audio')['node-lobby'] ?? 0) >= 15);
    await until('lobby counts pushed', () => (node.calls()[0]!.media?.totals.endpoint_to_node.packets ?? 0) > 0);
    const call = node.calls()[0]!;
    expect(call).toMatchObject({ state: 'lobby', token: 'untrusted' });
    expect(call.media).toMatchObject({ mode: 'held' });
    expect(call.media!.totals.node_to_meet.packets).toBe(0);
    for (const name of STREAMS) expect(origins(session.stats(), name)['meet-echo']).toBeUndefined();

    meet.service.admit(m.meetingId, call.participantId!);
    await until('meet-echo on every stream', () => STREAMS.every((n) => (origins(session.stats(), n)['meet-echo'] ?? 0) >= 20));
    await new Promise((res) => setTimeout(res, 1500));
    session.stop();
    await new Promise((res) => setTimeout(res, 500)); // drain; the worker has pushed its counts since

    const ep = session.stats();
    const bridged = node.calls()[0]!.media!;
    expect(bridged).toMatchObject({ mode: 'forwarding', peer: 'connected' });
    for (const name of STREAMS) {
      const s = bridged.streams[name]!;
      const e = ep.streams[name]!;
      for (const hop of HOPS) expect(s.hops[hop].packets, `${name} ${hop}`).toBeGreaterThan(20);
      expect(s.hops.endpoint_to_node.packets).toBe(e.sent.packets);
      expect(s.hops.node_to_meet.packets + s.held).toBe(s.hops.endpoint_to_node.packets);
      expect(s.hops.meet_to_node.packets).toBe(s.hops.node_to_meet.packets);
      expect(e.received.packets).toBe(s.hops.node_to_endpoint.packets + s.local.packets);
      expect(s.loss.endpoint.lost).toBe(0);
      expect(s.loss.meet.lost).toBe(0);
      expect(e.received.lost).toBe(0);
      expect(e.rtt!.count).toBeGreaterThan(20);
      expect(origins(ep, name)['meet-echo']).toBeGreaterThan(20);
    }
    expect(ep.streams.audio!.received.sources).toBe(1);
    expect(origins(ep, 'audio')['node-lobby']).toBe(bridged.streams.audio!.local.packets);
    const meetIn = meet.answerer!.dump().peers[0]!.peer.tracks.reduce((n, t) => n + t.packetsIn, 0);
    expect(meetIn).toBe(bridged.totals.node_to_meet.packets);
    // /metrics: the live counts of the worker's call
    expect(node.metrics.format()).toMatch(new RegExp(`gwsim_node_media_packets_total\\{hop="node_to_meet"\\} ${bridged.totals.node_to_meet.packets}\\b`));

    // The final snapshot carries the worker's final counts; /metrics keeps them once the call is gone.
    const ended = nextCallEnded(node);
    await r.dialog!.bye();
    const final = await ended;
    expect(final.media).toMatchObject({ mode: 'closed', totals: { node_to_meet: { packets: bridged.totals.node_to_meet.packets } } });
    expect(final.rtp!.packetsIn).toBeGreaterThanOrEqual(ep.streams.audio!.sent.packets);
    expect(node.metrics.format()).toMatch(new RegExp(`gwsim_node_media_packets_total\\{hop="node_to_meet"\\} ${bridged.totals.node_to_meet.packets}\\b`));
    expect(node.dump().mediaWorkers.map((w) => w.calls)).toEqual([0, 0]);
    await until('Meet peer closed', () => meet.answerer!.size === 0);

    await node.close();
    expect(node.dump().mediaWorkers.every((w) => !w.alive)).toBe(true);
    for (const name of STREAMS) expect(await portFree(`${base}.11`, targets[name]!.port), `${name} port`).toBe(true);
  });

  it('Virtual Reception: RFC 4733 digits are decoded on the worker, the reception prompt and then the meeting media are played there', async () => {
    const base = '127.0.65';
    const { meet, routing } = await meetAndRouting(base);
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '5000000000065', onKnock: { kind: 'admit', afterMs: 0 } });
    const node = await startNode({ name: 'px02', address: `${base}.12`, routing, meetUrl: meet.url, timers, logger: silentLogger, receptionDigitTimeoutMs: 3000, mediaWorkers: 2 });
    const dns = await DnsServer.start({ address: `${base}.54`, port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px02', address: `${base}.12`, sipPort: node.sipAddress.port }] }) });
    cleanup.push(() => dns.close());
    const vtc = await Vtc.start({ name: 'room', address: `${base}.101`, dns: [{ address: dns.address, port: dns.port }], timers });
    cleanup.push(() => vtc.close());

    const r = await vtc.dial('sip:meet@vc.example.com');
    expect(r.status).toBe(200);
    expect(await r.call!.waitForMedia('reception', 2000)).toBe(true);
    const [held] = (await node.mediaWorkerDebug()).filter((d) => d.calls.length > 0);
    expect(held!.threadId).not.toBe(threadId);
    await r.call!.sendDtmf('5000000000065#', 'rfc4733');
    expect(await r.call!.waitForMedia('meeting', 3000)).toBe(true);
    const call = node.calls().find((c) => c.sipCallId === r.call!.dialog.callId)!;
    expect(call).toMatchObject({ entered: '5000000000065', meetingId: '5000000000065', outcome: 'CONNECTED', media: null });
    await until('rtp counts pushed', () => (node.calls()[0]!.rtp?.packetsOut ?? 0) > 0);
    await r.call!.hangup();
  });

  it('a worker that dies ends its calls loudly (BYE, Reason 503, error logged); the next call gets media on the other worker', async () => {
    const base = '127.0.65';
    const { meet, routing } = await meetAndRouting(base);
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '5000000000066', onKnock: { kind: 'admit', afterMs: 0 } });
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', sink: (l) => lines.push(l) });
    const node = await startNode({ name: 'px03', address: `${base}.13`, routing, meetUrl: meet.url, timers, logger, mediaWorkers: 2 });
    const dns = await DnsServer.start({ address: `${base}.55`, port: 0, zone: sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px03', address: `${base}.13`, sipPort: node.sipAddress.port }] }) });
    cleanup.push(() => dns.close());
    const vtc = await Vtc.start({ name: 'room', address: `${base}.102`, dns: [{ address: dns.address, port: dns.port }], timers });
    cleanup.push(() => vtc.close());

    const first = await vtc.dial('sip:5000000000066@vc.example.com');
    expect(first.status).toBe(200);
    expect(await first.call!.waitForMedia('meeting', 3000)).toBe(true);
    const busy = node.dump().mediaWorkers.find((w) => w.calls === 1)!;
    const ended = nextCallEnded(node);
    await node.killMediaWorker(busy.index);
    const end = await first.call!.ended;
    expect(outcomeFromReason(end.reason)).toBe('NODE_CAPACITY');
    expect((await ended).endedBy).toBe('node');
    expect(lines.some((l) => l.includes('media worker died'))).toBe(true);
    expect(node.dump().mediaWorkers.find((w) => w.index === busy.index)!.alive).toBe(false);

    const second = await vtc.dial('sip:5000000000066@vc.example.com');
    expect(second.status).toBe(200);
    expect(await second.call!.waitForMedia('meeting', 3000)).toBe(true);
    expect(node.dump().mediaWorkers.find((w) => w.alive)!.calls).toBe(1);
    await second.call!.hangup();
  });

  it('the pool on its own: a worker operation that fails rejects the proxy with the worker\'s message; close gives the final counts and frees the ports', async () => {
    const address = '127.0.65.14';
    const pool = await MediaWorkerPool.start({ workers: 1, address, media: true, logger: silentLogger });
    cleanup.push(() => pool.close());
    const offer = parseSdp(serializeSdp(createOffer({ address: '127.0.65.103', audioPort: 40000, videoPort: 40002, rtcpMux: true, codecs: { audio: DEFAULT_AUDIO_CODECS, video: [VP8_CODEC] } })));
    const media = await pool.open('call-1', offer, { content: false, onFailed: () => {} });
    expect(media.ports).toMatchObject({ audio: expect.any(Number), video: expect.any(Number), content: null });
    await expect(media.acceptBridge('v=0')).rejects.toThrow('no bridge open');
    await expect(pool.open('call-1', offer, { content: false, onFailed: () => {} })).rejects.toThrow('call-1 already has media');
    const [debug] = await pool.debug();
    expect(debug!.threadId).not.toBe(threadId);
    expect(debug!.calls.map((c) => c.id)).toEqual(['call-1']);
    media.play('reception');
    const final = await media.close();
    expect(final).toMatchObject({ bridge: null, rtp: { packetsIn: 0 } });
    expect((await pool.debug())[0]!.calls).toEqual([]);
    await pool.close();
    expect(pool.status()).toEqual([expect.objectContaining({ alive: false, calls: 0 })]);
    expect(await portFree(address, media.ports.audio)).toBe(true);
    await expect(pool.open('call-2', offer, { content: false, onFailed: () => {} })).rejects.toThrow('media workers stopped');
  });

  it('mediaWorkers must be an integer ≥ 0', async () => {
    const routing = validateRoutingConfig({});
    await expect(ConferencingNode.start({ name: 'px', address: '127.0.65.15', routing, meetUrl: 'http://127.0.65.20:1', mediaWorkers: 1.5 })).rejects.toThrow('mediaWorkers');
  });
});
