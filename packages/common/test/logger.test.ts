import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';

describe('logger', () => {
  it('redacts credential-looking fields and honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', sink: (l) => lines.push(l), scope: 't' });
    log.debug('hidden');
    log.info('join', { token: 'sekrit', accessKey: 'k', meeting: '1234' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[t] join');
    expect(lines[0]).toContain('"meeting":"1234"');
    expect(lines[0]).not.toContain('sekrit');
    expect(lines[0]).not.toMatch(/"k"/);
  });
});
