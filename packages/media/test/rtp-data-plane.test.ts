import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { WebRtcPeer, type DataPlaneStatus, type WebRtcTrack } from '../src/index.ts';

const A = '127.0.24.11';
const B = '127.0.24.12';

const open: WebRtcPeer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function pair(planes: { a: 'gwsim' | 'werift'; b: 'gwsim' | 'werift' }, batchedIo = false): Promise<{ a: WebRtcPeer; b: WebRtcPeer; answer: string }> {
  const a = await WebRtcPeer.create({ address: A, name: 'a', dataPlane: planes.a, batchedIo });
  const b = await WebRtcPeer.create({ address: B, name: 'b', dataPlane: planes.b, batchedIo });
  open.push(a, b);
  const answer = await b.acceptOffer(await a.createOffer({ audio: true, video: true }));
  await a.acceptAnswer(answer);
  await Promise.all([a.waitConnected(5000), b.waitConnected(5000)]);
  return { a, b, answer };
}

/** A packet of a known SSRC whose authentication tag is wrong, sent from A to B's ICE port (from the answer). */
async function sendForged(answer: string, ssrc: number): Promise<void> {
  const port = Number(/a=candidate:\S+ 1 udp \d+ 127\.0\.24\.12 (\d+) typ host/.exec(answer)![1]);
  const forged = Buffer.alloc(12 + 40, 0x5a);
  forged[0] = 0x80;
  forged[1] = 111;
  forged.writeUInt16BE(4242, 2);
  forged.writeUInt32BE(ssrc >>> 0, 8);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, A, () => r()));
  await new Promise<void>((r) => sock.send(forged, port, B, () => r()));
  sock.close();
}

/** werift's RTCP events of a track's sender (receiver reports about what it sends). */
function rtcpOf(track: WebRtcTrack): { subscribe(fn: (p: unknown) => void): void } {
  return (track.sender as unknown as { onRtcp: { subscribe(fn: (p: unknown) => void): void } }).onRtcp;
}

/** Collect what arrives on a track: payload text, sequence number, timestamp, marker. */
function collect(track: WebRtcTrack): Array<{ text: string; seq: number; ts: number; marker: boolean }> {
  const got: Array<{ text: string; seq: number; ts: number; marker: boolean }> = [];
  track.onRtp((p) => got.push({ text: p.payload.toString('latin1'), seq: p.sequenceNumber, ts: p.timestamp, marker: p.marker }));
  return got;
}

describe('RtpDataPlane (RTP off werift once DTLS is up)', () => {
  it('carries RTP both ways with SRTP in place, after werift routed the first packet of each SSRC', async () => {
    const { a, b } = await pair({ a: 'gwsim', b: 'gwsim' });
    for (const p of [a, b]) expect(p.dataPlane).toMatchObject({ path: 'gwsim', profile: 'AEAD_AES_128_GCM' });
    const atB = collect(b.track('video')!);
    const atA = collect(a.track('audio')!);
    const video = a.track('video')!;
    const audio = b.track('audio')!;
    for (let i = 0; i < 50; i++) {
      video.send(Buffer.from(`video-${i}`.padEnd(900, '.')), { timestampStep: 3000, marker: i % 5 === 4 });
      audio.send(Buffer.from(`audio-${i}`), { timestampStep: 960 });
    }
    await waitFor(() => atB.length === 50 && atA.length === 50);
    expect(atB.map((p) => p.text.split('.')[0])).toEqual(Array.from({ length: 50 }, (_, i) => `video-${i}`));
    expect(atB[0]!.text).toHaveLength(900);
    expect(atA.map((p) => p.text)).toEqual(Array.from({ length: 50 }, (_, i) => `audio-${i}`));
    // one sequence space and one timeline across werift's first packet and ours
    for (let i = 1; i < 50; i++) {
      expect(atB[i]!.seq).toBe((atB[i - 1]!.seq + 1) & 0xffff);
      expect(atB[i]!.ts).toBe((atB[i - 1]!.ts + 3000) >>> 0);
      expect(atB[i]!.marker).toBe(i % 5 === 4);
    }
    // werift delivered one packet per SSRC; the plane took the rest
    const pa = a.dataPlane as { sent: number; received: number; dropped: number };
    const pb = b.dataPlane as { sent: number; received: number; dropped: number };
    expect(pa.sent).toBe(50);
    expect(pb.received).toBe(49);
    expect(pb.sent).toBe(50);
    expect(pa.received).toBe(49);
    expect(pa.dropped + pb.dropped).toBe(0);
    // werift's RTCP sender reports read the sender's counters: the plane keeps them current
    expect(video.sender.packetCount).toBe(50);
    expect(video.sender.octetCount).toBe(50 * 900);
  });

  it('echoes through the plane: forward() keeps sequence number, timestamp and marker', async () => {
    const { a, b } = await pair({ a: 'gwsim', b: 'gwsim' });
    for (const t of b.tracks) t.onRtp((p, track) => track.forward(p));
    const back = collect(a.track('audio')!);
    const track = a.track('audio')!;
    for (let i = 0; i < 20; i++) track.send(Buffer.from(`echo-${i}`), { timestampStep: 960, marker: i === 0 });
    await waitFor(() => back.length === 20);
    expect(back.map((p) => p.text)).toEqual(Array.from({ length: 20 }, (_, i) => `echo-${i}`));
    expect(back[0]!.marker).toBe(true);
    expect(back[1]!.marker).toBe(false);
  });

  it.each([
    { a: 'gwsim', b: 'werift' },
    { a: 'werift', b: 'gwsim' },
  ] as const)('interoperates with werift’s own RTP path on the far end (%o)', async (planes) => {
    const { a, b } = await pair(planes);
    expect(a.dataPlane.path).toBe(planes.a);
    expect(b.dataPlane.path).toBe(planes.b);
    const atB = collect(b.track('audio')!);
    const atA = collect(a.track('audio')!);
    for (let i = 0; i < 30; i++) {
      a.track('audio')!.send(Buffer.from(`ab-${i}`), { timestampStep: 960 });
      b.track('audio')!.send(Buffer.from(`ba-${i}`), { timestampStep: 960 });
    }
    await waitFor(() => atB.length === 30 && atA.length === 30);
    expect(atB.map((p) => p.text)).toEqual(Array.from({ length: 30 }, (_, i) => `ab-${i}`));
    expect(atA.map((p) => p.text)).toEqual(Array.from({ length: 30 }, (_, i) => `ba-${i}`));
    // SRTCP both ways between our plane's contexts and werift's: werift's sender hears our receiver report about
    // its stream, and our plane reads werift's (its block about our SR gives the round-trip time)
    const [ours, theirs] = planes.a === 'gwsim' ? [a, b] : [b, a];
    const theirSsrc = theirs.track('audio')!.sender.ssrc;
    const heard: Array<{ reports?: Array<{ ssrc: number; packetsLost: number }> }> = [];
    rtcpOf(theirs.track('audio')!).subscribe((p) => heard.push(p as (typeof heard)[number]));
    const status = (): DataPlaneStatus => ours.dataPlane as DataPlaneStatus;
    await waitFor(() => heard.some((p) => p.reports?.some((r) => r.ssrc === theirSsrc)) && status().rtcpRttMs !== null, 5000);
    expect(heard.flatMap((p) => p.reports ?? []).find((r) => r.ssrc === theirSsrc)!.packetsLost).toBe(0);
    expect(status()).toMatchObject({ srtcp: true, reports: 'gwsim', rtcpDropped: 0 });
    expect(status().rtcpRttMs).toBeGreaterThanOrEqual(0);
    expect(status().rtcpRttMs).toBeLessThan(1000);
  });

  it('reports from its own statistics: the loss werift’s stream had, one compound per interval, werift’s loops stopped', async () => {
    const { a, b } = await pair({ a: 'gwsim', b: 'werift' });
    const atA = collect(a.track('audio')!);
    const audio = b.track('audio')!;
    const heard: Array<{ reports?: Array<{ ssrc: number; packetsLost: number; highestSequence: number }> }> = [];
    rtcpOf(audio).subscribe((p) => heard.push(p as (typeof heard)[number]));
    // 40 sequence numbers, 10–14 never sent: five packets lost on the way, as a's receiver report must say
    for (let seq = 0; seq < 40; seq++) if (seq < 10 || seq > 14) audio.sendPayload(Buffer.from(`s${seq}`), 0, 2 + String(seq).length - 1, seq, seq * 960, false);
    await waitFor(() => atA.length === 35);
    const started = performance.now();
    await waitFor(() => heard.some((p) => p.reports?.some((r) => r.ssrc === audio.sender.ssrc && r.packetsLost === 5)), 5000);
    // werift's own loops would send an SR and an RR per transceiver about every second (four a second here)
    await new Promise((r) => setTimeout(r, 3000 - (performance.now() - started)));
    const sent = (a.dataPlane as DataPlaneStatus).rtcpSent;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThanOrEqual(7);
    const aSender = a.track('audio')!.sender as unknown as { rtcpCancel: AbortController };
    expect(aSender.rtcpCancel.signal.aborted).toBe(true);
  });

  it('drops a forged packet of a known SSRC (authentication fails) and keeps delivering genuine ones', async () => {
    const { a, b, answer } = await pair({ a: 'gwsim', b: 'gwsim' });
    const atB = collect(b.track('audio')!);
    const track = a.track('audio')!;
    track.send(Buffer.from('first'), { timestampStep: 960 });
    await waitFor(() => atB.length === 1);
    await sendForged(answer, track.sender.ssrc);
    await waitFor(() => (b.dataPlane as { dropped: number }).dropped === 1);
    track.send(Buffer.from('second'), { timestampStep: 960 });
    await waitFor(() => atB.length === 2);
    expect(atB.map((p) => p.text)).toEqual(['first', 'second']);
  });

  it('with batched UDP I/O: RTP both ways on the ICE socket it adopted, everything else still reaches werift', async () => {
    const { a, b, answer } = await pair({ a: 'gwsim', b: 'gwsim' }, true);
    for (const p of [a, b]) expect(p.dataPlane).toMatchObject({ path: 'gwsim', batchedIo: true });
    for (const t of b.tracks) t.onRtp((p, track) => track.forward(p));
    const back = collect(a.track('audio')!);
    const audio = a.track('audio')!;
    for (let i = 0; i < 100; i++) audio.send(Buffer.from(`batched-${i}`), { timestampStep: 960 });
    await waitFor(() => back.length === 100);
    expect(back.map((p) => p.text)).toEqual(Array.from({ length: 100 }, (_, i) => `batched-${i}`));
    // both planes report (SRTCP on the batched socket): a's round-trip time comes from b's block about a's SR
    await waitFor(() => (a.dataPlane as DataPlaneStatus).rtcpRttMs !== null && (b.dataPlane as DataPlaneStatus).rtcpReceived > 0, 5000);
    // a forged packet is dropped on the batched path too
    await sendForged(answer, audio.sender.ssrc);
    await waitFor(() => (b.dataPlane as { dropped: number }).dropped === 1);
    expect(a.state).toBe('connected');
  });
});
