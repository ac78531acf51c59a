import dgram from 'node:dgram';
import { ConfigError } from '@gwsim/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAnswer,
  createOffer,
  isRtcpPacket,
  MediaSession,
  mediaTargets,
  Ticker,
  VP8_CODEC,
  type StreamName,
} from '../src/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sessions: MediaSession[] = [];
const tickers: Ticker[] = [];
const sockets: dgram.Socket[] = [];

afterEach(async () => {
  for (const t of tickers.splice(0)) t.stop();
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const s of sockets.splice(0)) s.close();
});

async function session(options: Parameters<typeof MediaSession.open>[0]): Promise<MediaSession> {
  const s = await MediaSession.open(options);
  sessions.push(s);
  return s;
}

function ticker(): Ticker {
  const t = new Ticker({ intervalMs: 10 });
  tickers.push(t);
  return t;
}

/** Run the ticker for `ms`, stop it, let what is in flight arrive. */
async function run(t: Ticker, members: MediaSession[], ms: number): Promise<void> {
  for (const m of members) m.start(t);
  await sleep(ms);
  t.stop();
  await sleep(150);
}

describe('MediaSession on loopback', () => {
  it('two room systems exchange audio, video and slides negotiated in SDP: counts match, no loss, small jitter, RTCP RTT', async () => {
    const a = await session({ address: '127.0.52.31', name: 'a', rtcpIntervalMs: 200 });
    const b = await session({ address: '127.0.52.32', name: 'b', rtcpIntervalMs: 200, audio: { talkspurt: { talkMs: 400, silenceMs: 100 } } });
    const la = a.locals();
    const lb = b.locals();
    const offer = createOffer({ address: a.address, audioPort: la.audio!.port, videoPort: la.video!.port, contentPort: la.content!.port, rtcpMux: true, codecs: { video: [VP8_CODEC] } });
    const answer = createAnswer(offer, { address: b.address, audioPort: lb.audio!.port, videoPort: lb.video!.port, contentPort: lb.content!.port, codecs: { video: [VP8_CODEC] } });
    a.setRemotes(mediaTargets(answer));
    b.setRemotes(mediaTargets(offer));
    await run(ticker(), [a, b], 1000);

    const sa = a.stats();
    const sb = b.stats();
    for (const [from, to] of [[sa, sb], [sb, sa]] as const) {
      for (const name of ['audio', 'video', 'content'] as StreamName[]) {
        const sent = from.streams[name]!;
        const got = to.streams[name]!;
        expect(got.received.packets, `${from.name}→${to.name} ${name}`).toBe(sent.sent.packets);
        expect(got.received.bytes).toBe(sent.sent.bytes);
        expect(got.received.lost).toBe(0);
        expect(got.received.invalid).toBe(0);
        expect(got.received.jitterMs).toBeLessThan(50); // loopback adds ~nothing; this bounds scheduling stalls on a busy machine
        expect(got.origins).toEqual({ endpoint: got.received.packets });
        expect(got.oneWay!.count).toBe(got.received.packets);
        expect(got.oneWay!.p50Ms).toBeLessThan(50);
        expect(got.rtcp.received).toBeGreaterThan(0);
        expect(got.rtcp.rtt?.count).toBeGreaterThan(0);
        expect(got.rtcp.rtt!.p50Ms).toBeLessThan(50);
        expect(got.rtt).toBeNull(); // nothing echoed
      }
    }
    expect(sa.streams.audio!.sent.packets).toBeGreaterThanOrEqual(45); // 50 in 1 s, less a late first tick
    expect(sb.streams.audio!.sent.packets).toBeLessThan(sa.streams.audio!.sent.packets); // b has a silence gap
    expect(sa.streams.video!.sent.frames).toBeGreaterThanOrEqual(27);
    expect(sa.streams.video!.sent.packets).toBeGreaterThan(sa.streams.video!.sent.frames); // several packets per frame
    expect(sa.streams.content!.sent.frames).toBeGreaterThanOrEqual(4);
    expect(sa.streams.content!.sent.frames).toBeLessThanOrEqual(6);
    expect(sb.streams.audio!.quality!.mos).toBeGreaterThan(4.2);
    expect(sb.streams.audio!.rtcp.remoteReport).toMatchObject({ fractionLost: 0, cumulativeLost: 0 });
    expect(sa.totals.sent.packets).toBe(sb.totals.received.packets);

    await a.close();
    await sleep(50);
    expect(b.stats().streams.audio!.rtcp.byes).toBe(1);
    expect(a.stats().closed).toBe(true);
  });

  it('an echo far end: the sender measures round-trip time from its own probes, tagged meet-echo', async () => {
    const a = await session({ address: '127.0.52.33', streams: ['audio', 'video'], rtcpIntervalMs: 0 });
    const echo = await session({ address: '127.0.52.34', streams: ['audio', 'video'], mode: 'echo', rtcpIntervalMs: 0 });
    a.setRemotes(echo.locals());
    await run(ticker(), [a], 600);
    const sa = a.stats();
    const se = echo.stats();
    for (const name of ['audio', 'video'] as StreamName[]) {
      const s = sa.streams[name]!;
      expect(se.streams[name]!.received.packets).toBe(s.sent.packets);
      expect(se.streams[name]!.sent.packets).toBe(s.sent.packets); // every packet reflected
      expect(s.received.packets).toBe(s.sent.packets);
      expect(s.rtt!.count).toBe(s.sent.packets);
      expect(s.rtt!.p50Ms).toBeLessThan(50);
      expect(s.rtt!.minMs).toBeGreaterThan(0);
      expect(s.origins).toEqual({ 'meet-echo': s.sent.packets });
      expect(s.oneWay).toBeNull();
      expect(s.received.lost).toBe(0);
    }
    expect(sa.streams.audio!.quality!.oneWayDelayMs).toBeGreaterThanOrEqual(20); // packetization counts
  });

  it('counts loss on a lossy path and the E-model marks the audio down', async () => {
    const b = await session({ address: '127.0.52.36', streams: ['audio'], mode: 'receive', rtcpIntervalMs: 100 });
    const a = await session({ address: '127.0.52.35', streams: ['audio'], rtcpIntervalMs: 100 });
    // a relay that drops every 10th RTP packet (never RTCP) on the way from a to b
    const relay = dgram.createSocket('udp4');
    sockets.push(relay);
    await new Promise<void>((r) => relay.bind(0, '127.0.52.37', r));
    let n = 0;
    let dropped = 0;
    let seenLost = 0; // drops followed by a delivered packet: what a receiver can know was lost
    relay.on('message', (msg, from) => {
      if (from.port === b.port('audio').port) return void relay.send(msg, a.port('audio').port, a.address);
      const rtp = !isRtcpPacket(msg);
      if (rtp && n++ % 10 === 5) return void dropped++;
      if (rtp) seenLost = dropped;
      relay.send(msg, b.port('audio').port, b.address);
    });
    a.setRemote('audio', { address: '127.0.52.37', port: relay.address().port });
    b.setRemote('audio', { address: '127.0.52.37', port: relay.address().port });
    await run(ticker(), [a, b], 800);
    const got = b.stats().streams.audio!;
    expect(seenLost).toBeGreaterThanOrEqual(3);
    expect(got.received.lost).toBe(seenLost);
    expect(got.received.lossPercent).toBeCloseTo((seenLost / got.received.expected) * 100, 6);
    expect(got.quality!.mos).toBeLessThan(4.1);
    expect(got.quality!.mos).toBeGreaterThan(3);
    const reported = a.stats().streams.audio!.rtcp.remoteReport;
    expect(reported?.cumulativeLost).toBeGreaterThan(0); // b told a in its receiver reports
  });

  it('rejects bad options and non-loopback remotes with a ConfigError naming the field', async () => {
    await expect(MediaSession.open({ address: '127.0.52.38', streams: ['audio', 'slides' as never] })).rejects.toThrow('streams[1]: must be one of audio, video, content');
    await expect(MediaSession.open({ address: '10.0.0.1' })).rejects.toThrow(ConfigError);
    await expect(MediaSession.open({ address: '127.0.52.38', mode: 'mirror' as never })).rejects.toThrow(/^mode: /);
    const s = await session({ address: '127.0.52.38', streams: ['audio'] });
    expect(() => s.setRemote('audio', { address: '192.0.2.1', port: 5004 })).toThrow(/^remote\.audio\.address: must be a loopback/);
    expect(() => s.setRemote('audio', { address: '127.0.52.39', port: 0 })).toThrow('remote.audio.port: must be an integer from 1 to 65535, got 0');
    expect(() => s.port('video')).toThrow(/has no video stream/);
    await s.close();
    await s.close();
    expect(s.port('audio').closed).toBe(true);
  });
});
