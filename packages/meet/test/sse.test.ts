import { describe, expect, it } from 'vitest';
import { encodeSse, SseParser } from '../src/index.ts';

describe('SSE wire format', () => {
  it('round-trips events split at every byte boundary', () => {
    const wire =
      ': hello\n\n' +
      encodeSse({ id: '1', event: 'admitted', data: '{"a":1}' }) +
      encodeSse({ id: '2', event: 'removed', data: 'line1\nline2' });
    for (let cut = 0; cut <= wire.length; cut++) {
      const parser = new SseParser();
      const got = [...parser.push(wire.slice(0, cut)), ...parser.push(wire.slice(cut))];
      expect(got).toEqual([
        { id: '1', event: 'admitted', data: '{"a":1}' },
        { id: '2', event: 'removed', data: 'line1\nline2' },
      ]);
    }
  });

  it('accepts CRLF and CR line endings, default event name, and ignores unknown fields', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 10\r\ndata: x\r\n\r\nevent: e\rdata:y\r\r')).toEqual([{ event: 'message', data: 'x' }]);
    expect(parser.end()).toEqual([{ event: 'e', data: 'y' }]);
  });

  it('waits for the LF of a CRLF split across chunks', () => {
    const parser = new SseParser();
    expect(parser.push('data: x\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});
