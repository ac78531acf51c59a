import { describe, expect, it } from 'vitest';
import {
  emptyProbe,
  markedFrame,
  markedState,
  payloadOrigin,
  PROBE_BYTES,
  PROBE_ORIGINS,
  probeClockUs,
  readProbe,
  setProbeOrigin,
  writeProbe,
  type ProbeOrigin,
} from '../src/index.ts';

describe('probe payload trailer', () => {
  it('writes the documented layout at the end of the payload and reads it back into a caller object', () => {
    const buf = Buffer.alloc(100, 0x55);
    const sendTimeUs = 1_700_000_000_123_456;
    writeProbe(buf, 90, 0xfeedbeef, 0x01020304, sendTimeUs, 'node-lobby');
    expect(buf.subarray(66, 90).toString('hex')).toBe(
      '47575042' + '01' + '02' + '0000' + 'feedbeef' + '01020304' + Math.floor(sendTimeUs / 2 ** 32).toString(16).padStart(8, '0') + (sendTimeUs >>> 0).toString(16).padStart(8, '0'),
    );
    expect(buf[65]).toBe(0x55); // bytes before the trailer are the caller's
    expect(buf[90]).toBe(0x55);
    const out = emptyProbe();
    expect(readProbe(buf, out, 90)).toBe(true);
    expect(out).toEqual({ streamId: 0xfeedbeef, sequence: 0x01020304, sendTimeUs, origin: 'node-lobby' });
    expect(readProbe(buf, out)).toBe(false); // the trailer does not end at the buffer's end
  });

  it('every origin tag round-trips, and the echo rewrite changes only the tag', () => {
    const out = emptyProbe();
    for (const origin of Object.keys(PROBE_ORIGINS) as ProbeOrigin[]) {
      const buf = Buffer.alloc(PROBE_BYTES);
      writeProbe(buf, PROBE_BYTES, 1, 2, 3, origin);
      expect(readProbe(buf, out)).toBe(true);
      expect(out.origin).toBe(origin);
      expect(setProbeOrigin(buf, 'meet-echo')).toBe(true);
      expect(readProbe(buf, out)).toBe(true);
      expect(out).toEqual({ streamId: 1, sequence: 2, sendTimeUs: 3, origin: 'meet-echo' });
    }
  });

  it('rejects what is not a probe: short buffers, wrong magic or version, unknown origin codes', () => {
    const out = emptyProbe();
    expect(readProbe(Buffer.alloc(10), out)).toBe(false);
    const buf = Buffer.alloc(40);
    writeProbe(buf, 40, 1, 2, 3, 'endpoint');
    for (const [at, value] of [[16, 0], [20, 2], [21, 0], [21, 99]] as const) {
      const copy = Buffer.from(buf);
      copy[at] = value;
      expect(readProbe(copy, out)).toBe(false);
      expect(setProbeOrigin(copy, 'meet-echo')).toBe(false);
    }
    expect(() => writeProbe(Buffer.alloc(10), 10, 1, 2, 3, 'endpoint')).toThrow(RangeError);
  });

  it('coexists with the marked frames: payloadOrigin reads the trailer first, then the GWSIM-* marker', () => {
    const frame = markedFrame('lobby');
    expect(payloadOrigin(frame)).toBe('node-lobby');
    expect(payloadOrigin(markedFrame('reception'))).toBe('node-reception');
    expect(payloadOrigin(markedFrame('meeting'))).toBe('node-meeting');
    writeProbe(frame, frame.length, 9, 9, 9, 'meet-synthetic');
    expect(markedState(frame)).toBe('lobby'); // the marker at the start still reads
    expect(payloadOrigin(frame)).toBe('meet-synthetic'); // the origin tag wins
    expect(payloadOrigin(Buffer.alloc(160, 0xff))).toBeNull();
  });

  it('the probe clock is epoch microseconds and monotonic', () => {
    const a = probeClockUs();
    const b = probeClockUs();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a / 1000 - Date.now())).toBeLessThan(1000);
    expect(Number.isSafeInteger(a)).toBe(true);
  });
});
