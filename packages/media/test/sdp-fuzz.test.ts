import { describe, expect, it } from 'vitest';
import { parseSdp, SdpParseError, serializeSdp } from '../src/index.ts';
import { fixture, fixtureNames } from './support/fixtures.ts';
import { pick, seededRandom as prng } from '@gwsim/common';

const NOISE = ['', ' ', '  ', '=', ':', '/', '\r', '\n', '\r\n', '\0', 'x', 'a=', 'm=', 'c=IN IP6 ::1', 't=0 0', '0', '65536', '/127', '\u00e9', '\ud83d\ude00', '\t'];

/** Mutate an SDP text: line-level edits (drop, duplicate, swap, insert) and character-level edits. */
function mutate(text: string, rand: () => number): string {
  const lines = text.split('\r\n');
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rand() * lines.length);
    const op = Math.floor(rand() * 7);
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, lines[i] ?? '');
    else if (op === 2) lines.splice(i, 0, pick(rand, lines) + pick(rand, NOISE));
    else if (op === 3) {
      const j = Math.floor(rand() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    } else {
      const line = lines[i] ?? '';
      const at = Math.floor(rand() * (line.length + 1));
      const cut = op === 4 ? 1 : 0;
      lines[i] = line.slice(0, at) + pick(rand, NOISE) + line.slice(at + cut);
    }
  }
  return lines.join(rand() < 0.2 ? '\n' : '\r\n');
}

describe('SDP fuzz (pion sdp/fuzz_test.go style)', () => {
  it('never throws anything but SdpParseError; what parses re-serializes and re-parses equal', () => {
    const rand = prng(0xc0ffee);
    const seeds = fixtureNames().map(fixture);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      const input = mutate(pick(rand, seeds), rand);
      let sd;
      try {
        sd = parseSdp(input);
      } catch (err) {
        if (!(err instanceof SdpParseError)) throw new Error(`non-SdpParseError for ${JSON.stringify(input)}`, { cause: err });
        expect(err.line).toBeGreaterThanOrEqual(0);
        rejected++;
        continue;
      }
      parsed++;
      const text = serializeSdp(sd);
      expect(parseSdp(text)).toEqual(sd);
      expect(serializeSdp(parseSdp(text))).toBe(text);
    }
    // Both outcomes must be exercised for the property to mean anything.
    expect(parsed).toBeGreaterThan(400);
    expect(rejected).toBeGreaterThan(400);
  });

  it('random bytes only ever produce SdpParseError', () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      let s = rand() < 0.5 ? 'v=0\r\n' : '';
      const n = Math.floor(rand() * 80);
      for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(rand() * 128));
      try {
        serializeSdp(parseSdp(s));
      } catch (err) {
        expect(err).toBeInstanceOf(SdpParseError);
      }
    }
  });
});
