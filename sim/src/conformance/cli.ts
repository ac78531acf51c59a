/**
 * `gwsim conformance [options]`: parse the command line into ConformanceOptions, run, print one line per
 * case and a summary, write the reports. Exit codes: 0 every applicable case passed; 1 a case failed or
 * errored (or nothing could run, or the run itself failed); 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, errorMessage, type LogLevel } from '@gwsim/common';
import { CATALOGUE } from './catalogue.ts';
import type { ExternalTargetOptions } from './external.ts';
import { runConformance, type ConformanceOptions } from './runner.ts';
import type { CaseResult, ConformanceReport } from './types.ts';
import { writeConformanceReports } from './write.ts';

export const CONFORMANCE_USAGE = `gwsim conformance [--target ip[:port]] [options]
      Run the conformance catalogue (docs/conformance.md) against the embedded topology, or against an
      external SIP target. Prints one line per case and a summary; writes report.json, junit.xml and
      report.html to --out (default ./gwsim-conformance/). Exit 0 only when every applicable case passed.`;

const HELP = `gwsim conformance — the conformance catalogue, for CI (docs/conformance.md)

Usage:
  gwsim conformance [options]                     against the embedded topology (fixtures/conformance/)
  gwsim conformance --target <ip[:port]> [options] against an external SIP target

Selection and output:
  --id <id>             a case id (GW-DIAL-001) or group (GW-DNS-*); repeatable
  --tag <tag>           only cases with this tag; repeatable
  --concurrency <n>     cases run at once (default 4)
  --out <dir>           where the reports go (default ./gwsim-conformance/)
  --json                print the report as JSON instead of the text lines
  --list                list the catalogue and exit
  --log-level <level>   debug | info | warn | error | silent (default: warn)

External target (only the cases that can be observed from outside run; others are not applicable):
  --target <ip[:port]>  where <id>@<ip> calls go (port default 5060, 5061 for tls)
  --transport <t>       udp (default), tcp or tls
  --dns <ip[:port]>     DNS server for the gateway hostname (port default 53); needs --domain
  --domain <name>       the gateway hostname (dial domain), e.g. vc.example.com
  --meeting <label>=<id>  a meeting to dial for a label (open, denies, video-locked, …); repeatable
  --reception <dial>    a Virtual Reception dial string, e.g. meet@192.0.2.10
  --marked-media        the target marks its media as gwsim nodes do (lobby / meeting frames)
  --register            the target accepts REGISTER from the suite's caller
  --local-address <ip>  our address facing the target (default 127.0.0.1, for loopback targets)
  --knock-timeout <ms>  the target's knock timeout (default 300000)
  --tls-ca <file>       PEM CA to trust for TLS; repeatable
  --tls-insecure        do not verify the target's TLS certificate

Exit codes: 0 every applicable case passed; 1 a case failed or errored, or none could run; 2 bad usage.`;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** `ip`, `ip:port` or `[v6]:port`; throws ConfigError naming the option. */
function hostPort(value: string, option: string, defaultPort?: number): { address: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(value) ?? /^([^:]+)(?::(\d+))?$/.exec(value);
  const address = m?.[1] ?? (isIP(value) ? value : '');
  if (!isIP(address)) throw new ConfigError(option, `must be an IP address with an optional :port, got "${value}"`);
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (port !== undefined && !(port >= 1 && port <= 65535)) throw new ConfigError(option, `port must be 1-65535, got "${m?.[2]}"`);
  return { address, port };
}

function integerOption(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(option, `must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

const EXTERNAL_ONLY = ['transport', 'dns', 'domain', 'meeting', 'reception', 'marked-media', 'register', 'local-address', 'knock-timeout', 'tls-ca', 'tls-insecure'] as const;

/** The command line as run options (without logger, signal, callbacks). Throws ConfigError on bad usage. */
export function parseConformanceArgs(argv: string[]): { options: ConformanceOptions; json: boolean; list: boolean; help: boolean; out: string; logLevel: LogLevel } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      transport: { type: 'string' },
      dns: { type: 'string' },
      domain: { type: 'string' },
      meeting: { type: 'string', multiple: true },
      reception: { type: 'string' },
      'marked-media': { type: 'boolean' },
      register: { type: 'boolean' },
      'local-address': { type: 'string' },
      'knock-timeout': { type: 'string' },
      'tls-ca': { type: 'string', multiple: true },
      'tls-insecure': { type: 'boolean' },
      id: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      list: { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length) throw new ConfigError('', `unexpected argument "${positionals[0]}" (conformance takes options only; see gwsim conformance --help)`);
  const logLevel = (values['log-level'] ?? 'warn') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError('--log-level', `must be one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  const options: ConformanceOptions = { ids: values.id, tags: values.tag, concurrency: integerOption(values.concurrency, '--concurrency', 1, 64) };
  if (values.target === undefined) {
    const stray = EXTERNAL_ONLY.find((k) => values[k] !== undefined);
    if (stray) throw new ConfigError(`--${stray}`, 'applies to an external target only: give --target <ip[:port]>');
  } else {
    const transport = values.transport ?? 'udp';
    if (!['udp', 'tcp', 'tls'].includes(transport)) throw new ConfigError('--transport', `must be udp, tcp or tls, got "${transport}"`);
    const sip = hostPort(values.target, '--target');
    const meetings: Record<string, string> = {};
    for (const m of values.meeting ?? []) {
      const eq = m.indexOf('=');
      if (eq <= 0) throw new ConfigError('--meeting', `must be <label>=<meeting id>, got "${m}"`);
      meetings[m.slice(0, eq)] = m.slice(eq + 1);
    }
    const target: ExternalTargetOptions = {
      sip: { address: sip.address, port: sip.port, transport: transport as 'udp' | 'tcp' | 'tls' },
      dns: values.dns === undefined ? undefined : (hostPort(values.dns, '--dns', 53) as { address: string; port: number }),
      domain: values.domain,
      meetings,
      reception: values.reception,
      markedMedia: values['marked-media'] === true,
      register: values.register === true,
      localAddress: values['local-address'],
      knockTimeoutMs: integerOption(values['knock-timeout'], '--knock-timeout', 1, 3_600_000),
    };
    if (values['tls-ca'] || values['tls-insecure']) {
      target.tls = { rejectUnauthorized: values['tls-insecure'] !== true };
      if (values['tls-ca']) {
        target.tls.ca = values['tls-ca'].map((f) => {
          try {
            return readFileSync(f, 'utf8');
          } catch (err) {
            throw new ConfigError('--tls-ca', `cannot read ${f}: ${errorMessage(err)}`);
          }
        });
      }
    }
    options.target = target;
  }
  return { options, json: values.json === true, list: values.list === true, help: values.help === true, out: values.out ?? 'gwsim-conformance', logLevel };
}

const MARK: Record<CaseResult['status'], string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', not_applicable: 'N/A ' };

/** `FAIL  GW-DNS-001  Every SRV target … (3.0 s)` and, indented, the message. */
export function formatCaseLine(r: CaseResult): string {
  const head = `${MARK[r.status]}  ${r.id.padEnd(12)} ${r.title} (${(r.durationMs / 1000).toFixed(1)} s)`;
  if (r.status === 'pass') return head;
  return `${head}\n      ${r.status === 'not_applicable' ? `not applicable, because it ${r.message}` : r.message}`;
}

export function formatConformanceSummary(report: ConformanceReport): string {
  const c = report.counts;
  const verdict = report.ok ? 'PASS' : c.pass === 0 && c.fail === 0 && c.error === 0 ? 'FAIL (no case could run against this target)' : 'FAIL';
  return `${report.cases.length} cases: ${c.pass} passed, ${c.fail} failed, ${c.error} errors, ${c.not_applicable} not applicable — ${verdict} (${(report.durationMs / 1000).toFixed(1)} s)`;
}

/** The subcommand. `out`/`err` receive whole lines. Returns the exit code. */
export async function conformanceMain(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseConformanceArgs(argv);
  } catch (e) {
    err(`gwsim conformance: ${errorMessage(e)}`);
    return 2;
  }
  if (parsed.help) {
    out(HELP);
    return 0;
  }
  if (parsed.list) {
    for (const c of CATALOGUE) out(`${c.id.padEnd(12)} ${c.title}  [${c.tags.join(', ')}]`);
    return 0;
  }
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    err('gwsim conformance: interrupted, stopping the running cases… (Ctrl-C again to exit at once)');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const logger = createLogger({ level: parsed.logLevel, sink: err });
    const report = await runConformance({ ...parsed.options, logger, signal: ac.signal, onCase: parsed.json ? undefined : (r) => out(formatCaseLine(r)) });
    const paths = await writeConformanceReports(report, resolve(parsed.out));
    if (parsed.json) out(JSON.stringify(report, null, 2));
    else {
      out(`target: ${report.target.description}`);
      out(formatConformanceSummary(report));
      out(`reports: ${paths.json}, ${paths.junit}, ${paths.html}`);
    }
    return report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`gwsim conformance: ${errorMessage(e)}`);
      return 2;
    }
    err(`gwsim conformance: failed: ${errorMessage(e)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
