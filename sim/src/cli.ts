#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, errorMessage, GwsimError, type LogLevel } from '@gwsim/common';
import { DEFAULT_SCENARIO, loadScenarioFile } from './scenario-file.ts';
import { runScenario } from './run.ts';
import { formatCall, formatSummary } from './summary.ts';

const HELP = `gwsim — simulator and test harness for SIP-to-Google-Meet video gateways

Usage:
  gwsim run [scenario.yaml] [options]   start the topology, place the scenario's calls, print a summary,
                                        stop everything; exit 0 only if every call ended as expected.
                                        Without a file: the default scenario (fixtures/scenarios/default.yaml).
  gwsim help                            this text

Options:
  --json               print the run report as JSON instead of the text summary
  --log-level <level>  debug | info | warn | error | silent (default: warn)
  -h, --help           this text
  -v, --version        print the version

Exit codes: 0 all calls as expected, 1 some call did not end as expected, 2 bad usage or scenario.`;

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n'), err: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    });
  } catch (e) {
    err(`gwsim: ${errorMessage(e)}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    out('gwsim 0.1.0');
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(HELP);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (command !== 'run') {
    err(`gwsim: unknown command "${command}" (commands: run, help)`);
    return 2;
  }
  if (rest.length > 1) {
    err(`gwsim run: expected at most one scenario file, got ${rest.length}`);
    return 2;
  }
  const level = (values['log-level'] ?? 'warn') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
    err(`gwsim: --log-level must be one of debug, info, warn, error, silent (got "${level}")`);
    return 2;
  }
  const file = rest[0] ?? fileURLToPath(DEFAULT_SCENARIO);
  let loaded;
  try {
    loaded = await loadScenarioFile(file);
  } catch (e) {
    err(`gwsim: ${errorMessage(e)}`);
    return 2;
  }
  const logger = createLogger({ level, sink: err });
  const ac = new AbortController();
  const onSigint = () => {
    err('gwsim: interrupted, stopping…');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    if (!values.json) out(`gwsim: running scenario "${loaded.scenario.name}" (${loaded.scenario.calls.length} calls)`);
    const report = await runScenario(loaded, { logger, signal: ac.signal, onCall: values.json ? undefined : (c) => out(formatCall(c)) });
    out(values.json ? JSON.stringify(report, null, 2) : formatSummary(report));
    return report.ok ? 0 : 1;
  } catch (e) {
    const code = e instanceof GwsimError ? ` [${e.code}]` : '';
    err(`gwsim: run failed${code}: ${errorMessage(e)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const isEntry = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`gwsim: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
