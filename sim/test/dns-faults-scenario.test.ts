import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.ts';
import { relocatedDefault } from './support/scenario.ts';

/** DNS faults declared in a scenario reach the server, and the caller-side outcomes name what happened. */
describe('scenario DNS faults', () => {
  it('px01 timing out sends calls to px02; an NXDOMAIN domain is a DNS_FAILURE', async () => {
    const text = relocatedDefault('127.0.31', (t) =>
      t
        .replace('    domain: vc.example.com\n', '    domain: vc.example.com\n    faults:\n      - { name: px01.vc.example.com, kind: timeout }\n      - { name: _sip._udp.broken.example.com, kind: nxdomain }\n')
        .replace(/calls:[\s\S]*$/, [
          'calls:',
          '  - { name: via-px02-a, from: boardroom, dial: "sip:1000000000001@vc.example.com", expect: CONNECTED, holdMs: 200 }',
          '  - { name: via-px02-b, from: boardroom, dial: "sip:1000000000001@vc.example.com", expect: CONNECTED, holdMs: 200 }',
          '  - { name: no-domain, from: boardroom, dial: "sip:1000000000001@nowhere.example.org", expect: DNS_FAILURE }',
          '',
        ].join('\n')),
    );
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-dnsf-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, text);
    let out = '';
    let err = '';
    const code = await main(['run', file, '--out', join(dir, 'report')], (s) => (out += s + '\n'), (s) => (err += s + '\n'));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/ok {3}via-px02-a .* via 127\.0\.31\.12:5060/);
    expect(out).toMatch(/ok {3}via-px02-b .* via 127\.0\.31\.12:5060/);
    expect(out).toMatch(/ok {3}no-domain .*DNS_FAILURE/);
  });

  it('a bad fault is a scenario error with its field path', async () => {
    const text = relocatedDefault('127.0.32', (t) => t.replace('    domain: vc.example.com\n', '    domain: vc.example.com\n    faults:\n      - { name: px01.vc.example.com, kind: delay }\n'));
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-dnsf-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, text);
    let err = '';
    const code = await main(['validate', file], () => {}, (s) => (err += s + '\n'));
    expect(code).toBe(2);
    expect(err).toMatch(/topology\.dns\.faults\[0\]\.delayMs: is required/);
  });
});
