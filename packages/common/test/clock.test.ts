import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/index.ts';

describe('FakeClock', () => {
  it('fires timers in due order, including ones scheduled by a firing timer', () => {
    const c = new FakeClock();
    const seen: string[] = [];
    c.setTimeout(() => seen.push(`b@${c.now()}`), 200);
    c.setTimeout(() => {
      seen.push(`a@${c.now()}`);
      c.setTimeout(() => seen.push(`c@${c.now()}`), 50);
    }, 100);
    const cancelled = c.setTimeout(() => seen.push('never'), 120);
    cancelled.cancel();
    c.advance(180);
    expect(seen).toEqual(['a@100', 'c@150']);
    c.advance(20);
    expect(seen).toEqual(['a@100', 'c@150', 'b@200']);
    expect(c.pending).toBe(0);
  });
});
