import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import {
  AudioSource,
  contentSource,
  emptyProbe,
  isVp8Keyframe,
  PacketPool,
  PROBE_BYTES,
  readProbe,
  readRtpHeader,
  readVp8Descriptor,
  VideoSource,
  type RtpHeader,
} from '../src/index.ts';

interface Captured {
  header: RtpHeader & { payloadOffset: number };
  payload: Buffer;
  buffer: Buffer;
}

/** Run a source's ticks and copy every packet it emits. */
function capture(source: { tick(now: number, sink: (b: Buffer, n: number) => void): number }, ticks: number[]): Captured[] {
  const out: Captured[] = [];
  for (const now of ticks) {
    source.tick(now, (buf, length) => {
      const copy = Buffer.from(buf.subarray(0, length));
      const header = readRtpHeader(copy)!;
      out.push({ header, payload: copy.subarray(header.payloadOffset), buffer: buf });
    });
  }
  return out;
}

const every = (stepMs: number, untilMs: number) => Array.from({ length: Math.floor(untilMs / stepMs) + 1 }, (_, i) => i * stepMs);

describe('AudioSource', () => {
  it('PCMU: a 160-byte payload every 20 ms, timestamps +160, sequence +1, marker on the first packet, probe at the end', () => {
    const src = new AudioSource({ ssrc: 0x1234, streamId: 77, clockUs: () => 5_000_000 });
    const packets = capture(src, every(10, 990));
    expect(packets).toHaveLength(50);
    expect(packets.every((p) => p.payload.length === 160 && p.header.payloadType === 0 && p.header.ssrc === 0x1234)).toBe(true);
    expect(packets.map((p) => p.header.marker)).toEqual([true, ...Array(49).fill(false)]);
    for (let i = 1; i < packets.length; i++) {
      expect((packets[i]!.header.sequenceNumber - packets[i - 1]!.header.sequenceNumber) & 0xffff).toBe(1);
      expect((packets[i]!.header.timestamp - packets[i - 1]!.header.timestamp) >>> 0).toBe(160);
    }
    const probe = emptyProbe();
    expect(readProbe(packets[7]!.payload, probe)).toBe(true);
    expect(probe).toEqual({ streamId: 77, sequence: 7, sendTimeUs: 5_000_000, origin: 'endpoint' });
    expect(packets[0]!.payload.subarray(0, 160 - PROBE_BYTES).every((b) => b === 0xff)).toBe(true); // µ-law silence
    expect(src.bytes).toBe(50 * 172);
  });

  it('Opus: 48 kHz timestamps (+960 per 20 ms), a TOC byte and a payload sized from the bitrate', () => {
    const src = new AudioSource({ codec: 'opus', opusBitrate: 48_000, origin: 'meet-synthetic' });
    const packets = capture(src, [0, 20, 40]);
    expect(packets.map((p) => p.payload.length)).toEqual([120, 120, 120]);
    expect(packets[0]!.header.payloadType).toBe(111);
    expect(packets[0]!.payload[0]).toBe(31 << 3);
    expect((packets[1]!.header.timestamp - packets[0]!.header.timestamp) >>> 0).toBe(960);
    const probe = emptyProbe();
    readProbe(packets[2]!.payload, probe);
    expect(probe.origin).toBe('meet-synthetic');
  });

  it('talkspurts: silent intervals send nothing, timestamps keep running, the marker starts every spurt', () => {
    const src = new AudioSource({ talkspurt: { talkMs: 100, silenceMs: 60 } });
    const packets = capture(src, every(20, 400)); // intervals 0..20
    const markers = packets.filter((p) => p.header.marker).map((p) => p.header.timestamp);
    // intervals 0-4 talk, 5-7 silent, 8-12 talk, 13-15 silent, 16-20 talk
    expect(packets).toHaveLength(15);
    expect(markers).toHaveLength(3);
    expect((markers[1]! - markers[0]!) >>> 0).toBe(8 * 160); // the next spurt starts 8 intervals (160 ms) later
    expect(src.silentIntervals).toBe(6);
  });

  it('catches up after a late tick, and skips what is older than maxLagMs instead of bursting', () => {
    const src = new AudioSource({ maxLagMs: 100 });
    expect(src.tick(0, () => {})).toBe(1);
    expect(src.tick(95, () => {})).toBe(4); // 20, 40, 60, 80
    expect(src.tick(1000, () => {})).toBe(5); // only 920..1000 ms are within 100 ms
    expect(src.skippedIntervals).toBe(41);
  });

  it('fills pool buffers: no new buffer per packet', () => {
    const pool = new PacketPool(4, 200);
    const src = new AudioSource({ pool });
    const seen = new Set<Buffer>();
    for (let t = 0; t <= 400; t += 20) src.tick(t, (buf) => seen.add(buf));
    expect(seen.size).toBe(4);
  });

  it.each([
    [{ codec: 'g729' }, 'audio.codec'],
    [{ ptimeMs: 5 }, 'audio.ptimeMs: must be an integer from 10 to 60, got 5'],
    [{ codec: 'opus', ptimeMs: 15 }, 'audio.ptimeMs'],
    [{ payloadType: 128 }, 'audio.payloadType: must be an integer from 0 to 127, got 128'],
    [{ pool: new PacketPool(2, 100) }, 'audio.pool'],
  ])('rejects bad options %o with a ConfigError naming the field', (options, message) => {
    expect(() => new AudioSource(options as never)).toThrow(ConfigError);
    expect(() => new AudioSource(options as never)).toThrow(message);
  });
});

describe('VideoSource (VP8, RFC 7741)', () => {
  it('splits frames into MTU-sized packets sharing one timestamp, marker on the last, VP8 descriptor on each', () => {
    const src = new VideoSource({ frameRate: 30, bitrate: 1_200_000, keyframeIntervalS: 1, maxPacketBytes: 1200 });
    const packets = capture(src, every(10, 990));
    expect(src.frames).toBe(30); // frames at 0, 33.3, ..., 966.7 ms
    const byTs = new Map<number, Captured[]>();
    for (const p of packets) byTs.set(p.header.timestamp, [...(byTs.get(p.header.timestamp) ?? []), p]);
    expect(byTs.size).toBe(30);
    const pids = new Set<number>();
    for (const frame of byTs.values()) {
      expect(frame.map((p) => p.header.marker)).toEqual([...Array(frame.length - 1).fill(false), true]);
      const descriptors = frame.map((p) => readVp8Descriptor(p.payload)!);
      expect(descriptors.map((d) => d.start)).toEqual([true, ...Array(frame.length - 1).fill(false)]);
      expect(new Set(descriptors.map((d) => d.pictureId)).size).toBe(1);
      pids.add(descriptors[0]!.pictureId!);
      expect(frame.every((p) => p.payload.length + 12 <= 1200)).toBe(true);
    }
    expect(pids.size).toBe(30);
    const timestamps = [...byTs.keys()];
    expect((timestamps[3]! - timestamps[0]!) >>> 0).toBe(9000); // 90 kHz clock, 3 frames at 30 fps
  });

  it('keyframes every interval are larger, start with P=0, the start code and the picture size', () => {
    const src = new VideoSource({ frameRate: 10, bitrate: 800_000, keyframeIntervalS: 0.5, keyframeFactor: 4, width: 640, height: 360 });
    const packets = capture(src, every(100, 900)); // 10 frames
    const firsts = packets.filter((p) => readVp8Descriptor(p.payload)!.start);
    expect(firsts.map((p) => isVp8Keyframe(p.payload))).toEqual([true, false, false, false, false, true, false, false, false, false]);
    const key = firsts[0]!.payload;
    expect(key.subarray(4 + 3, 4 + 6).toString('hex')).toBe('9d012a');
    expect([key.readUInt16LE(4 + 6), key.readUInt16LE(4 + 8)]).toEqual([640, 360]);
    expect(src.keyframeBytes).toBe(4 * src.deltaFrameBytes);
    // the average frame still follows the bitrate: 10 frames of 10 fps at 800 kbit/s ≈ 100 kB of payload
    const payloadBytes = packets.reduce((n, p) => n + p.payload.length, 0);
    expect(payloadBytes).toBeGreaterThan(95_000);
    expect(payloadBytes).toBeLessThan(105_000);
    capture(src, [1000]); // frame 10: a scheduled keyframe
    expect(isVp8Keyframe(capture(src, [1100])[0]!.payload)).toBe(false);
    src.requestKeyframe(); // what a PLI asks for
    expect(isVp8Keyframe(capture(src, [1200])[0]!.payload)).toBe(true);
    expect(src.keyframes).toBe(4);
  });

  it('every packet carries a probe with a per-stream sequence', () => {
    const src = new VideoSource({ streamId: 5, origin: 'meet-synthetic' });
    const probe = emptyProbe();
    const seqs = capture(src, [0, 40, 80]).map((p) => (readProbe(p.payload, probe) ? probe.sequence : -1));
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(probe.origin).toBe('meet-synthetic');
  });

  it('sizes its pool for its worst tick: no buffer comes round twice within one tick (dgram sends on the next tick)', () => {
    const src = new VideoSource({ bitrate: 8_000_000, frameRate: 60, keyframeIntervalS: 0.05 });
    for (const now of [0, 150, 400]) {
      const seen = new Set<Buffer>();
      let count = 0;
      src.tick(now, (buf) => {
        seen.add(buf);
        count++;
      });
      expect(count).toBeGreaterThan(20);
      expect(seen.size).toBe(count);
    }
  });

  it('the content source is slides at a low frame rate', () => {
    const slides = contentSource();
    expect(slides.content).toBe('slides');
    expect(slides.frameRate).toBe(5);
    expect(capture(slides, every(10, 990)).filter((p) => p.header.marker)).toHaveLength(5);
    expect(new VideoSource().content).toBe('main');
  });

  it.each([
    [{ frameRate: 0 }, 'video.frameRate: must be a number from 0.1 to 120, got 0'],
    [{ bitrate: 1.5 }, 'video.bitrate'],
    [{ maxPacketBytes: 50 }, 'video.maxPacketBytes'],
  ])('rejects %o naming the field', (options, message) => {
    expect(() => new VideoSource(options)).toThrow(message);
  });
});
