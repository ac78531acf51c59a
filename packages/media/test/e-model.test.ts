import { describe, expect, it } from 'vitest';
import { burstRatio, CODEC_IMPAIRMENTS, delayImpairment, effectiveEquipmentImpairment, estimateAudioQuality, mosFromR } from '../src/index.ts';

describe('E-model (ITU-T G.107, simplified)', () => {
  it.each([
    // codec, one-way ms, loss %, BurstR, R, MOS
    ['pcmu', 0, 0, 1, 93.2, 4.41],
    ['pcmu', 20, 0, 1, 92.72, 4.4],
    ['pcmu', 150, 0, 1, 89.6, 4.33],
    ['pcmu', 200, 0, 1, 85.9, 4.23], // past 177.3 ms the delay term steepens
    ['pcmu', 0, 1, 1, 89.56, 4.33], // Ie,eff = 95·1/(1 + 25.1)
    ['pcmu-no-plc', 0, 1, 1, 75.28, 3.83], // Ie,eff = 95·1/(1 + 4.3)
    ['pcmu', 0, 5, 1, 77.42, 3.92],
    ['pcmu', 0, 5, 2, 75.99, 3.86], // bursty loss hurts more
    ['opus', 40, 0, 1, 92.24, 4.39],
  ] as const)('%s, %d ms, %d %% loss, BurstR %d → R %d, MOS %d', (codec, delay, loss, burst, r, mos) => {
    const q = estimateAudioQuality({ codec, oneWayDelayMs: delay, lossPercent: loss, burstRatio: burst });
    expect(q.r).toBeCloseTo(r, 1);
    expect(q.mos).toBeCloseTo(mos, 1);
    expect(Math.abs(q.mos - mos)).toBeLessThanOrEqual(0.005);
  });

  it('MOS from R follows G.107 Annex B, including its ends', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(93.2)).toBeCloseTo(4.409, 3);
    expect(mosFromR(50)).toBeCloseTo(2.58, 2);
  });

  it('is monotonic: more delay or more loss never raises R or MOS', () => {
    let last = Infinity;
    for (let d = 0; d <= 600; d += 10) {
      const q = estimateAudioQuality({ codec: 'pcmu', oneWayDelayMs: d, lossPercent: 0 });
      expect(q.r).toBeLessThanOrEqual(last);
      last = q.r;
    }
    for (const codec of ['pcmu', 'pcmu-no-plc', 'opus'] as const) {
      let lastMos = Infinity;
      for (let loss = 0; loss <= 30; loss += 0.5) {
        const q = estimateAudioQuality({ codec, oneWayDelayMs: 50, lossPercent: loss });
        expect(q.mos).toBeLessThanOrEqual(lastMos);
        lastMos = q.mos;
      }
    }
    expect(delayImpairment(177.3)).toBeCloseTo(0.024 * 177.3, 10);
    expect(delayImpairment(300) - delayImpairment(290)).toBeCloseTo(0.24 + 1.1, 10); // the 0.11 slope beyond 177.3 ms
  });

  it('Ie,eff: Ie at no loss, approaching 95 at total loss; custom codec values', () => {
    expect(effectiveEquipmentImpairment(CODEC_IMPAIRMENTS.pcmu, 0)).toBe(0);
    expect(effectiveEquipmentImpairment({ ie: 10, bpl: 20 }, 0)).toBe(10);
    expect(effectiveEquipmentImpairment(CODEC_IMPAIRMENTS.pcmu, 100)).toBeCloseTo(95 * 100 / 125.1, 6);
    expect(estimateAudioQuality({ codec: { ie: 11, bpl: 19 }, oneWayDelayMs: 0, lossPercent: 0 }).r).toBeCloseTo(82.2, 6);
    expect(() => estimateAudioQuality({ codec: 'g729' as never, oneWayDelayMs: 0, lossPercent: 0 })).toThrow(/unknown E-model codec g729/);
  });

  it('BurstR from the loss fraction and mean burst length: 1 for random loss, more for bursts', () => {
    expect(burstRatio(0, 0)).toBe(1);
    expect(burstRatio(0.1, 1 / 0.9)).toBeCloseTo(1, 10);
    expect(burstRatio(0.1, 3)).toBeCloseTo(2.7, 10);
    expect(burstRatio(0.1, 1)).toBe(1); // smoother than random counts as random
  });
});
