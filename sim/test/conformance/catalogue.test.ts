import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { OUTCOMES } from '@gwsim/node';
import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES,
  CASE_ID,
  CATALOGUE,
  conformanceMain,
  CONFORMANCE_DOC_PATH,
  notApplicableReason,
  parseConformanceArgs,
  renderConformanceDoc,
  renderConformanceHtml,
  renderConformanceJunit,
  selectCases,
  TARGET_LABELS,
  type Capability,
  type ConformanceReport,
} from '../../src/conformance/index.ts';
import { childrenNamed, findAll, parseXml, textOf } from '../report/xml-checker.ts';

describe('the catalogue', () => {
  it('has stable, unique ids and every field a case must have', () => {
    const ids = CATALOGUE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CATALOGUE) {
      expect(c.id, c.id).toMatch(CASE_ID);
      expect(c.version, c.id).toBeGreaterThanOrEqual(1);
      expect(c.rule, c.id).toMatch(/^DOMAIN\.md §\d/);
      for (const text of [c.title, c.places, c.observes]) expect(text.length, c.id).toBeGreaterThan(10);
      expect(c.tags.length, c.id).toBeGreaterThan(0);
      expect(c.needs, c.id).toContain('sip');
      for (const n of c.needs) expect(CAPABILITIES, `${c.id} needs ${n}`).toContain(n);
      for (const t of c.targets) expect(Object.keys(TARGET_LABELS), `${c.id} dials ${t}`).toContain(t);
    }
  });

  it('covers every dial form, admission path and DNS behaviour the issue lists', () => {
    const tagged = (tag: string) => CATALOGUE.filter((c) => c.tags.includes(tag)).map((c) => c.id);
    expect(tagged('dial')).toEqual(['GW-DIAL-001', 'GW-DIAL-002', 'GW-DIAL-003', 'GW-DIAL-004', 'GW-DIAL-005']);
    expect(tagged('knock')).toHaveLength(4);
    expect(tagged('video-lock')).toHaveLength(2);
    expect(tagged('registration').length).toBeGreaterThanOrEqual(2);
    expect(tagged('srv-weights').length + tagged('failover').length + tagged('dns-faults').length).toBeGreaterThanOrEqual(4);
    expect(tagged('media')).toHaveLength(2);
  });

  it('checks every refusal of the outcome table (DOMAIN.md §5) by its Reason text', () => {
    const notInTable = new Set(['CANCELLED', 'UNSUPPORTED_TARGET']);
    for (const [code, o] of Object.entries(OUTCOMES)) {
      if (notInTable.has(code)) continue;
      expect(CATALOGUE.some((c) => c.observes.includes(o.reason)), `${code} ("${o.reason}")`).toBe(true);
    }
  });

  it('describes every dial target label some case uses, and no unused one', () => {
    const used = new Set(CATALOGUE.flatMap((c) => c.targets));
    expect([...used].sort()).toEqual(Object.keys(TARGET_LABELS).sort());
  });

  it('docs/conformance.md is what the catalogue generates (npx tsx sim/scripts/gen-conformance-doc.ts)', async () => {
    const committed = await readFile(fileURLToPath(new URL(`../../../${CONFORMANCE_DOC_PATH}`, import.meta.url)), 'utf8');
    expect(committed).toBe(renderConformanceDoc());
    for (const c of CATALOGUE) expect(committed).toContain(`### ${c.id}`);
  });
});

describe('selectCases', () => {
  it('selects by id, by group pattern, by tag, and by both', () => {
    expect(selectCases({ ids: ['gw-dial-002'] }).map((c) => c.id)).toEqual(['GW-DIAL-002']);
    expect(selectCases({ ids: ['GW-DNS-*'] }).map((c) => c.id)).toEqual(['GW-DNS-001', 'GW-DNS-002', 'GW-DNS-003', 'GW-DNS-004', 'GW-DNS-005', 'GW-DNS-006']);
    expect(selectCases({ tags: ['video-lock'] }).map((c) => c.id)).toEqual(['GW-VLOCK-001', 'GW-VLOCK-002']);
    expect(selectCases({ ids: ['GW-DIAL-*'], tags: ['dns'] }).map((c) => c.id)).toEqual(['GW-DIAL-001', 'GW-DIAL-003']);
    expect(selectCases()).toHaveLength(CATALOGUE.length);
  });

  it('names what exists when a filter selects nothing', () => {
    expect(() => selectCases({ ids: ['GW-NOPE-001'] })).toThrow(/ids\[0\]: "GW-NOPE-001" matches no case/);
    expect(() => selectCases({ tags: ['dns', 'nope'] })).toThrow(/tags\[1\]: unknown tag "nope" \(tags: .*dns.*\)/);
    expect(() => selectCases({ ids: ['GW-DIAL-002'], tags: ['dns'] })).toThrow(/select no case/);
  });
});

describe('applicability', () => {
  const outside = (caps: Capability[], labels: string[] = ['open'], reception = false) => ({
    capabilities: new Set<Capability>(caps),
    targetMissing: (l: string) => (labels.includes(l) ? null : `no meeting ID was given for "${l}"`),
    reception: () => (reception ? 'meet@192.0.2.1' : null),
  });
  const byId = (id: string) => CATALOGUE.find((c) => c.id === id)!;

  it('says which capability, meeting or reception a case lacks', () => {
    expect(notApplicableReason(byId('GW-DIAL-002'), outside(['sip', 'media']))).toBeNull();
    expect(notApplicableReason(byId('GW-TRUST-002'), outside(['sip', 'media']))).toMatch(/REGISTER.*; and control of the Meet side/);
    expect(notApplicableReason(byId('GW-DIAL-001'), outside(['sip', 'media']))).toMatch(/DNS server and dial domain/);
    expect(notApplicableReason(byId('GW-VLOCK-001'), outside(['sip', 'media']))).toBe('no meeting ID was given for "video-locked"');
    expect(notApplicableReason(byId('GW-DIAL-004'), outside(['sip', 'media', 'marked-media']))).toMatch(/Virtual Reception/);
    expect(notApplicableReason(byId('GW-DIAL-004'), outside(['sip', 'media', 'marked-media'], ['open'], true))).toBeNull();
  });
});

describe('gwsim conformance command line', () => {
  it('maps an external target and its options', () => {
    const p = parseConformanceArgs(['--target', '127.0.55.9:5070', '--transport', 'tcp', '--dns', '127.0.55.53', '--domain', 'vc.example.com', '--meeting', 'open=1000000000001', '--meeting', 'denies=1000000000004', '--marked-media', '--id', 'GW-DIAL-*', '--tag', 'dial', '--concurrency', '2', '--out', 'x']);
    expect(p.options).toMatchObject({
      ids: ['GW-DIAL-*'],
      tags: ['dial'],
      concurrency: 2,
      target: { sip: { address: '127.0.55.9', port: 5070, transport: 'tcp' }, dns: { address: '127.0.55.53', port: 53 }, domain: 'vc.example.com', meetings: { open: '1000000000001', denies: '1000000000004' }, markedMedia: true, register: false },
    });
    expect(p.out).toBe('x');
    expect(parseConformanceArgs([]).options.target).toBeUndefined();
  });

  it.each([
    [['--target', 'gateway.example.com'], /--target: must be an IP address/],
    [['--target', '127.0.0.1', '--transport', 'sctp'], /--transport: must be udp, tcp or tls/],
    [['--target', '127.0.0.1', '--meeting', 'open'], /--meeting: must be <label>=<meeting id>/],
    [['--domain', 'vc.example.com'], /--domain: applies to an external target only/],
    [['--concurrency', '0'], /--concurrency: must be a whole number from 1 to 64/],
    [['extra'], /unexpected argument "extra"/],
  ])('%j is bad usage', (argv, message) => {
    expect(() => parseConformanceArgs(argv)).toThrow(message);
  });

  it('exits 2 on bad usage and on a filter that selects nothing, 0 for --list and --help', async () => {
    const lines: string[] = [];
    const errs: string[] = [];
    expect(await conformanceMain(['--bogus'], (s) => lines.push(s), (s) => errs.push(s))).toBe(2);
    expect(await conformanceMain(['--tag', 'nope'], (s) => lines.push(s), (s) => errs.push(s))).toBe(2);
    expect(errs.join('\n')).toMatch(/unknown tag "nope"/);
    expect(await conformanceMain(['--target', '127.0.55.1', '--meeting', 'open=12ab'], (s) => lines.push(s), (s) => errs.push(s))).toBe(2);
    expect(errs.at(-1)).toMatch(/target\.meetings\.open: must be a meeting ID of 4-13 digits/);
    expect(await conformanceMain(['--list'], (s) => lines.push(s), (s) => errs.push(s))).toBe(0);
    expect(lines.filter((l) => l.startsWith('GW-'))).toHaveLength(CATALOGUE.length);
    expect(await conformanceMain(['--help'], (s) => lines.push(s), (s) => errs.push(s))).toBe(0);
    expect(lines.at(-1)).toMatch(/--meeting <label>=<id>/);
  });
});

/** A report with one case of every status, and SIP text that must be escaped. */
function sampleReport(): ConformanceReport {
  const base = { version: 1, rule: 'DOMAIN.md §5: x', tags: ['outcome'], notes: [], durationMs: 12, samples: [] };
  return {
    tool: { name: 'gwsim', version: '0.1.0' },
    suite: { name: 'gwsim conformance', catalogueVersion: '1.0.0' },
    target: { kind: 'external', description: 'external target: SIP udp:127.0.55.10 <&>', capabilities: ['sip', 'media'], breakages: [] },
    filters: { ids: [], tags: [] },
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 1234,
    ok: false,
    counts: { pass: 1, fail: 1, not_applicable: 1, error: 1 },
    cases: [
      { ...base, id: 'GW-DIAL-002', title: 'by IP', status: 'pass', message: 'answered', notes: ['answered by udp:1'] },
      {
        ...base,
        id: 'GW-OUT-001',
        title: 'no rule',
        status: 'fail',
        message: 'expected 404 with Reason cause=404 text="Neither conference nor gateway found", saw 200 OK <x> & more',
        samples: [{ name: 'GW-OUT-001 no_match', callId: 'c1', outcome: 'fail', explanation: 'e', ladder: [{ at: 1, direction: 'out', transport: 'udp', local: '127.0.55.1:5060', remote: '127.0.55.10:5060', firstLine: 'INVITE sip:alice@127.0.55.10 SIP/2.0', raw: 'INVITE sip:alice@127.0.55.10 SIP/2.0\r\nCall-ID: c1\r\n\r\n' }] }],
      },
      { ...base, id: 'GW-TRUST-002', title: 'trusted at Meet', status: 'not_applicable', message: 'needs control of the Meet side' },
      { ...base, id: 'GW-DNS-002', title: 'weights', status: 'error', message: 'the case could not run: \u0001 boom' },
    ],
  };
}

describe('conformance reports', () => {
  it('junit.xml: one testcase per case; fail → failure, error → error, not applicable → skipped', () => {
    const root = parseXml(renderConformanceJunit(sampleReport()));
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '1' });
    expect(childrenNamed(root, 'testsuite').map((s) => s.attrs['name'])).toEqual(['GW-DIAL', 'GW-OUT', 'GW-TRUST', 'GW-DNS']);
    const cases = findAll(root, (e) => e.name === 'testcase');
    expect(cases.map((c) => c.attrs['name'])).toEqual(['GW-DIAL-002 by IP', 'GW-OUT-001 no rule', 'GW-TRUST-002 trusted at Meet', 'GW-DNS-002 weights']);
    const child = (i: number, name: string) => childrenNamed(cases[i]!, name)[0];
    expect(child(0, 'failure')).toBeUndefined();
    expect(child(1, 'failure')!.attrs['message']).toMatch(/^expected 404 .*, saw 200 OK <x> & more$/);
    expect(textOf(child(1, 'system-out')!)).toContain('INVITE sip:alice@127.0.55.10');
    expect(child(2, 'skipped')!.attrs['message']).toBe('not applicable: needs control of the Meet side');
    expect(child(3, 'error')!.attrs['message']).toContain('\\x01 boom');
  });

  it('report.html: well-formed, verdict, one row per case with its status', () => {
    const html = renderConformanceHtml(sampleReport());
    const root = parseXml(html.replace('<!DOCTYPE html>', ''));
    expect(findAll(root, (e) => e.attrs['data-verdict'] !== undefined)[0]!.attrs['data-verdict']).toBe('fail');
    const rows = findAll(root, (e) => e.name === 'tr' && e.attrs['data-status'] !== undefined);
    expect(rows.map((r) => r.attrs['data-status'])).toEqual(['pass', 'fail', 'not_applicable', 'error']);
    expect(findAll(root, (e) => e.name === 'svg').length).toBeGreaterThan(0);
    expect(html).not.toMatch(/<script|(?:src|href)="https?:/);
  });
});
