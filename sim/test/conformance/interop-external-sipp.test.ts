import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, conformanceMain, EmbeddedTarget, runConformance, type ConformanceReport } from '../../src/conformance/index.ts';
import { freeUdpPort, requireSipp, waitForUdpBound } from '../load/support/sipp.ts';
import { childrenNamed, findAll, parseXml } from '../report/xml-checker.ts';

/**
 * The suite against external targets. A plain SIPp `uas` answers every INVITE 200 and sends no media: the
 * cases that can be observed from outside run (and mostly fail), the others are not applicable, and the exit
 * code is not 0. A gwsim topology reached from outside passes every case that applies to it.
 */
const SIPP_ADDRESS = '127.0.55.10';
let sipp: ChildProcess;
let port: number;
let dir: string;

beforeAll(async () => {
  requireSipp();
  dir = await mkdtemp(join(tmpdir(), 'gwsim-conformance-ext-'));
  port = await freeUdpPort(SIPP_ADDRESS);
  sipp = spawn('sipp', ['-sn', 'uas', '-i', SIPP_ADDRESS, '-p', String(port), '-nostdin', '-trace_err', '-error_file', join(dir, 'sipp-errors.log')], { stdio: 'ignore' });
  await waitForUdpBound(SIPP_ADDRESS, port);
});

afterAll(async () => {
  if (sipp && sipp.exitCode === null) {
    const exited = new Promise((r) => sipp.once('exit', r));
    sipp.kill('SIGTERM');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('gwsim conformance against a plain SIPp uas', () => {
  it('reports which cases pass, fail and are not applicable, and exits non-zero', async () => {
    const out: string[] = [];
    const argv = ['--target', `${SIPP_ADDRESS}:${port}`, '--meeting', 'open=1000000000001', '--meeting', 'video-locked=1000000000007', '--out', dir];
    const code = await conformanceMain(argv, (s) => out.push(s), (s) => out.push(s));
    expect(code).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ConformanceReport;
    const status = new Map(report.cases.map((c) => [c.id, c]));
    expect(report.cases).toHaveLength(CATALOGUE.length);
    expect(report.target.kind).toBe('external');
    // Observable from outside, and SIPp does what the rule says: answered and held.
    expect(status.get('GW-DIAL-002')!.status).toBe('pass');
    // Observable from outside, and SIPp does not do what the rule says.
    expect(status.get('GW-OUT-001')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^expected 404 with Reason cause=404 text="Neither conference nor gateway found" \(NO_MATCH\), saw 200 OK without a Reason header/) });
    expect(status.get('GW-VLOCK-001')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^expected 403 .*VIDEO_LOCKED.*, saw 200 OK/) });
    expect(status.get('GW-OUT-006')!.status).toBe('fail'); // `unknown` has a default meeting ID
    expect(status.get('GW-MEDIA-001')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^expected RTP from the gateway: at least \d+ packets in \d+ ms, saw 0 packets/) });
    // Not observable from outside, or not given: not applicable, with the reason.
    expect(status.get('GW-TRUST-002')).toMatchObject({ status: 'not_applicable', message: expect.stringMatching(/control of the Meet side/) });
    expect(status.get('GW-DNS-003')).toMatchObject({ status: 'not_applicable', message: expect.stringMatching(/control of the set-up/) });
    expect(status.get('GW-DIAL-001')).toMatchObject({ status: 'not_applicable', message: expect.stringMatching(/DNS server and dial domain/) });
    expect(status.get('GW-OUT-008')).toMatchObject({ status: 'not_applicable', message: 'no meeting ID was given for "full" (--meeting full=<meeting id>)' });
    expect(report.counts.pass).toBeGreaterThan(0);
    expect(report.counts.fail).toBeGreaterThan(0);
    expect(report.counts.not_applicable).toBeGreaterThan(0);
    expect(report.counts.pass + report.counts.fail + report.counts.not_applicable + report.counts.error).toBe(CATALOGUE.length);
    expect(out.join('\n')).toMatch(/N\/A {3}GW-TRUST-002 .*\n {6}not applicable, because it needs/);
    expect(out.join('\n')).toMatch(/— FAIL/);
    const junit = parseXml(await readFile(join(dir, 'junit.xml'), 'utf8'));
    const skipped = findAll(junit, (e) => e.name === 'testcase' && childrenNamed(e, 'skipped').length > 0);
    expect(skipped).toHaveLength(report.counts.not_applicable);
    expect(junit.attrs).toMatchObject({ failures: String(report.counts.fail), skipped: String(report.counts.not_applicable) });
  }, 90_000);
});

describe('the suite against a gwsim topology reached from outside', () => {
  it('passes every case that can be observed from outside; the rest are not applicable', async () => {
    const gw = await EmbeddedTarget.start({ block: '127.0.55' });
    let report: ConformanceReport;
    try {
      const meetings = Object.fromEntries(gw.main.meetings);
      const px01 = gw.main.nodes[0]!.sipAddress.address;
      report = await runConformance({
        target: { sip: { address: px01 }, dns: gw.dnsServer, domain: gw.domain, meetings, reception: `meet@${px01}`, markedMedia: true, register: true, knockTimeoutMs: gw.timing.knockTimeoutMs, tls: { rejectUnauthorized: false } },
      });
    } finally {
      await gw.close();
    }
    const insideOnly = new Set(['meet-control', 'node-stats', 'topology-control']);
    const sideLabels = new Set(['interop-off', 'node-full', 'meet-down', 'meet-slow']);
    const expectedNa = CATALOGUE.filter((c) => c.needs.some((n) => insideOnly.has(n)) || c.targets.some((t) => sideLabels.has(t))).map((c) => c.id);
    expect(report.cases.filter((c) => c.status === 'not_applicable').map((c) => c.id)).toEqual(expectedNa);
    expect(report.cases.filter((c) => c.status !== 'pass' && c.status !== 'not_applicable').map((c) => `${c.id} ${c.status}: ${c.message}`)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 90_000);
});
