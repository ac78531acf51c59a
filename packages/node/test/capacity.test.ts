import { createAnswer, createOffer, parseSdp, serializeSdp, type SessionDescription } from '@gwsim/media';
import { describe, expect, it } from 'vitest';
import { callCost, CapacityPool, HD_UNITS, OverloadGuard } from '../src/index.ts';

function offer(opts: { video?: boolean; kbps?: number; codec?: 'H264' | 'VP9' } = {}): SessionDescription {
  let text = serializeSdp(createOffer({ address: '127.0.0.1', audioPort: 4000, videoPort: opts.video ? 4002 : undefined }));
  if (opts.kbps) text = text.replace(/(m=video[^\r]*\r\n)/, `$1b=AS:${opts.kbps}\r\n`);
  if (opts.codec === 'VP9') text = text.replace(/H264\/90000/, 'VP9/90000').replace(/a=fmtp:97[^\r]*\r\n/, '');
  return parseSdp(text);
}

const vp9Codecs = { video: [{ payloadType: 98, name: 'VP9', clockRate: 90000 }] };

describe('callCost (Pexip HD units)', () => {
  it.each([
    ['audio only', offer(), 'audio', 1 / 16],
    ['video without bandwidth → HD', offer({ video: true }), 'hd', 1],
    ['video at 768 kbps → SD', offer({ video: true, kbps: 768 }), 'sd', 0.5],
    ['video at 1920 kbps → HD', offer({ video: true, kbps: 1920 }), 'hd', 1],
    ['video at 4096 kbps → Full HD', offer({ video: true, kbps: 4096 }), 'fullhd', 2],
  ])('%s', (_name, o, quality, units) => {
    const answer = createAnswer(o, { address: '127.0.0.2', audioPort: 5000, videoPort: 5002 });
    expect(callCost(o, answer)).toMatchObject({ quality, units });
  });

  it('a rule with call_type audio, or a node capped at SD, lowers the cost; VP9 costs 1.25×', () => {
    const o = offer({ video: true, kbps: 4096 });
    const a = createAnswer(o, { address: '127.0.0.2', audioPort: 5000, videoPort: 5002 });
    expect(callCost(o, a, { callType: 'audio' }).units).toBe(HD_UNITS.audio);
    expect(callCost(o, a, { maxQuality: 'sd' }).units).toBe(0.5);
    const v = offer({ video: true, codec: 'VP9' });
    const va = createAnswer(v, { address: '127.0.0.2', audioPort: 5000, videoPort: 5002, codecs: vp9Codecs });
    expect(callCost(v, va)).toMatchObject({ quality: 'hd', videoCodec: 'VP9', units: 1.25 });
  });

  it('video the answer rejects (port 0) costs as audio', () => {
    const o = offer({ video: true });
    expect(callCost(o, createAnswer(o, { address: '127.0.0.2', audioPort: 5000 })).quality).toBe('audio');
  });
});

describe('CapacityPool', () => {
  it('reserves until full, refuses what does not fit, releases exactly once', () => {
    const pool = new CapacityPool(2);
    const a = pool.reserve(1)!;
    const b = pool.reserve(1 / 16 * 16)!;
    expect(pool.reserve(1 / 16)).toBeNull();
    a.release();
    a.release();
    expect(pool.used).toBe(1);
    expect(pool.reserve(0.5)).not.toBeNull();
    b.release();
    expect(pool.dump()).toMatchObject({ totalUnits: 2, usedUnits: 0.5, calls: 1 });
  });
});

describe('OverloadGuard', () => {
  it('sheds when too many setups are in flight and when the arrival rate exceeds the bucket', () => {
    let now = 0;
    const g = new OverloadGuard({ maxConcurrentSetups: 2, maxCallsPerSecond: 10, burst: 3 }, () => now);
    const s1 = g.admit();
    const s2 = g.admit();
    expect(g.admit()).toEqual({ ok: false, reason: 'setups' });
    if (s1.ok) s1.done();
    if (s2.ok) s2.done();
    const s3 = g.admit();
    expect(s3.ok).toBe(true);
    if (s3.ok) s3.done();
    expect(g.admit()).toEqual({ ok: false, reason: 'rate' }); // 3 tokens used at t=0
    now = 100; // +1 token
    const s4 = g.admit();
    expect(s4.ok).toBe(true);
    expect(g.dump().shed).toBe(2);
  });
});
