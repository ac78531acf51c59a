import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, main, relocateScenarioText } from '../src/index.ts';
import type { Report } from '../src/report/report-types.ts';

/**
 * Scenario transports: nodes with a TLS listener (a throw-away self-signed certificate made at start),
 * endpoints that call over TLS and TCP, found through DNS (_sips._tcp / _sip._tcp SRV), and the sip.js
 * persona over WebSocket. On 127.0.46.131+ (beside cli.test.ts on the same block).
 */
describe('endpoint transports and personas, node TLS listeners', () => {
  it('TLS (registered: joins directly), TCP (lobby), and sip.js over WebSocket all reach the meeting; refusals arrive as on UDP', async () => {
    const text = relocateScenarioText(readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8'), '127.0.46', 120)
      .replace(/wsPort: 8080, location: primary/g, 'wsPort: 8080, tlsPort: 5061, location: primary')
      .replace(/endpoints:[\s\S]*$/, [
        'endpoints:',
        '  - { name: tls-room, address: 127.0.46.221, register: true, transport: tls }',
        '  - { name: tcp-room, address: 127.0.46.222, transport: tcp }',
        '  - { name: web, address: 127.0.46.223, displayName: Browser, persona: sipjs }',
        'calls:',
        '  - { name: over-tls, from: tls-room, dial: "sip:{meeting:open}@vc.example.com", expect: CONNECTED, holdMs: 300 }',
        '  - { name: over-tcp, from: tcp-room, dial: "sip:{meeting:open}@vc.example.com", expect: CONNECTED, holdMs: 300 }',
        '  - { name: tcp-refused, from: tcp-room, dial: "sip:{meeting:video-locked}@vc.example.com", expect: VIDEO_LOCKED }',
        '  - { name: sipjs-ws, from: web, dial: "sip:{meeting:open}@vc.example.com", expect: CONNECTED, holdMs: 300 }',
        '  - { name: sipjs-denied, from: web, dial: "sip:{meeting:denies}@vc.example.com", expect: KNOCK_DENIED }',
        '',
      ].join('\n'));
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-tls-'));
    writeFileSync(join(dir, 's.yaml'), text);
    let out = '';
    let err = '';
    const code = await main(['run', join(dir, 's.yaml'), '--out', join(dir, 'r')], (s) => (out += s + '\n'), (s) => (err += s + '\n'));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/ok {3}over-tls .* via 127\.0\.46\.13[12]:5061, in meeting after \d+ ms/);
    expect(out).toMatch(/ok {3}over-tcp .* via 127\.0\.46\.13[12]:5060, in meeting after \d+ ms/);
    expect(out).toMatch(/ok {3}tcp-refused .*VIDEO_LOCKED/);
    // sip.js over WebSocket to the first node's ws listener: lobby, admitted; and a denial as BYE with Reason.
    expect(out).toMatch(/ok {3}sipjs-ws .* via 127\.0\.46\.131:8080, in meeting after \d+ ms/);
    expect(out).toMatch(/ok {3}sipjs-denied .*KNOCK_DENIED .*then BYE \(SIP;cause=603/);
    const report = JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8')) as Report;
    expect(report.ok).toBe(true);
    // Trusted (registered over TLS) joins at once; untrusted (TCP) waits for the host's admit after 1 s.
    const inMeeting = (name: string) => Number(out.match(new RegExp(`ok {3}${name} .*in meeting after (\\d+) ms`))![1]);
    expect(inMeeting('over-tls')).toBeLessThan(900);
    expect(inMeeting('over-tcp')).toBeGreaterThanOrEqual(900);
  }, 30_000);
});
