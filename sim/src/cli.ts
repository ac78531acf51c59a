#!/usr/bin/env node
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, errorMessage, GwsimError, type Logger, type LogLevel } from '@gwsim/common';
import { conformanceMain, CONFORMANCE_USAGE } from './conformance/cli.ts';
import { ProgressReporter } from './progress.ts';
import { formatRepro, reproCall } from './repro.ts';
import { writeReports } from './report/write.ts';
import { describeLoad, runScenario, VERSION } from './run.ts';
import { DEFAULT_SCENARIO, loadScenarioFile, type LoadedScenario } from './scenario-file.ts';
import { formatCall, formatSummary } from './summary.ts';
import { describeTopology, startUp, untilStopped } from './up.ts';

const HELP = `gwsim — simulator and test harness for SIP-to-Google-Meet video gateways

Usage:
  gwsim run [scenario.yaml] [--out dir] [--json] [--log-level level]
      Start the topology, place the scenario's single calls, run its load section, stop everything.
      Prints one line per call and a summary (live load progress on stderr), and writes report.json,
      junit.xml and report.html to --out (default ./gwsim-report/). Ctrl-C stops cleanly and still
      writes the report; a second Ctrl-C exits at once.
  gwsim validate <scenario.yaml>
      Check a scenario without starting anything; prints the error (file:line:col, field, what is allowed).
  gwsim up [scenario.yaml]
      Start the topology and keep it running: prints the DNS server, node addresses and listeners, the
      dial strings of every meeting (sip:<id>@<domain>, <id>@<node ip>, Virtual Reception), admin and
      metrics URLs. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
  gwsim repro <scenario.yaml> [--call name]
      Place one call of the scenario (the first, or the named one; a load mix entry name also works)
      with the SIP trace recorded; prints the ASCII ladder and why the call ended as it did.
  ${CONFORMANCE_USAGE}
      (gwsim conformance --help lists its options: case/tag filters, an external SIP target.)
  gwsim help
      This text.

Without a file, run and up use the default scenario (fixtures/scenarios/default.yaml).

Options:
  --out <dir>          where run writes its reports (default ./gwsim-report/)
  --json               run: print the report as JSON on stdout instead of the text summary
  --call <name>        repro: which call to place
  --log-level <level>  debug | info | warn | error | silent (default: warn)
  -h, --help           this text
  -v, --version        print the version

Exit codes:
  0  run: every expectation and threshold held; validate: the file is valid; up: stopped cleanly;
     repro: the call ended as the scenario expects
     conformance: every applicable case passed
  1  run: an expectation or threshold failed (or the run was interrupted); repro: the call ended otherwise;
     conformance: a case failed or errored, or none could run;
     any command: the run itself failed
  2  bad usage or a bad scenario file`;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr is a terminal: draw live progress in place. */
  tty: boolean;
}

const stdoutLine = (s: string): void => void process.stdout.write(s + '\n');
const stderrLine = (s: string): void => void process.stderr.write(s + '\n');

/**
 * The CLI. `out`/`err` receive whole lines (tests capture them); live progress is drawn in place only when
 * writing to the real stderr and it is a terminal. Returns the exit code.
 */
export async function main(argv: string[], out: (s: string) => void = stdoutLine, err: (s: string) => void = stderrLine): Promise<number> {
  // conformance has its own options (filters, an external target): it parses its own arguments.
  if (argv[0] === 'conformance') return conformanceMain(argv.slice(1), out, err);
  const io: Io = { out, err, tty: err === stderrLine && process.stderr.isTTY === true };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        out: { type: 'string' },
        call: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    err(`gwsim: ${errorMessage(e)}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    out(`gwsim ${VERSION}`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(HELP);
    return values.help || command === 'help' ? 0 : 2;
  }
  const commands = ['run', 'validate', 'up', 'repro'];
  if (!commands.includes(command)) {
    err(`gwsim: unknown command "${command}" (commands: ${commands.join(', ')}, conformance, help)`);
    return 2;
  }
  if (rest.length > 1) {
    err(`gwsim ${command}: expected at most one scenario file, got ${rest.length}`);
    return 2;
  }
  const misplaced = (
    [
      ['--json', values.json !== undefined && command !== 'run'],
      ['--out', values.out !== undefined && command !== 'run'],
      ['--call', values.call !== undefined && command !== 'repro'],
    ] as const
  ).find(([, bad]) => bad);
  if (misplaced) {
    err(`gwsim ${command}: ${misplaced[0]} is not an option of this command (see gwsim --help)`);
    return 2;
  }
  const level = (values['log-level'] ?? 'warn') as LogLevel;
  if (!LEVELS.includes(level)) {
    err(`gwsim: --log-level must be one of ${LEVELS.join(', ')} (got "${level}")`);
    return 2;
  }
  if ((command === 'validate' || command === 'repro') && rest.length === 0) {
    err(`gwsim ${command}: which scenario file? (gwsim ${command} <scenario.yaml>)`);
    return 2;
  }
  const file = rest[0] ?? fileURLToPath(DEFAULT_SCENARIO);
  let loaded: LoadedScenario;
  try {
    loaded = await loadScenarioFile(file);
  } catch (e) {
    err(`gwsim: ${errorMessage(e)}`);
    return 2;
  }
  const logger = createLogger({ level, sink: err });
  try {
    switch (command) {
      case 'validate':
        out(`${file}: valid — ${describeScenario(loaded)}`);
        return 0;
      case 'up':
        return await up(loaded, logger, io);
      case 'repro':
        return await repro(loaded, logger, io, values.call);
      default:
        return await run(loaded, logger, io, { json: values.json === true, out: values.out ?? 'gwsim-report' });
    }
  } catch (e) {
    if (e instanceof GwsimError && e.code === 'GWSIM_ERR_INVALID_CONFIG') {
      err(`gwsim ${command}: ${errorMessage(e)}`);
      return 2;
    }
    const code = e instanceof GwsimError ? ` [${e.code}]` : '';
    err(`gwsim ${command}: failed${code}: ${errorMessage(e)}`);
    return 1;
  }
}

/** `scenario "default": 4 nodes, 11 meetings, 2 endpoints, 18 calls, load 15 s …, 3 thresholds`. */
function describeScenario(loaded: LoadedScenario): string {
  const s = loaded.scenario;
  const parts = [`${s.topology.nodes.length} nodes`, `${s.topology.meetings.length} meetings`, `${s.endpoints.length} endpoints`, `${(s.calls ?? []).length} calls`];
  if (s.load) parts.push(`load ${describeLoad(s.load)}`);
  if (s.thresholds?.length) parts.push(`${s.thresholds.length} thresholds`);
  return `scenario "${s.name}": ${parts.join(', ')}`;
}

/**
 * Ctrl-C handling for run and repro: the first SIGINT (or SIGTERM) aborts the run, which stops cleanly and
 * still reports; a second SIGINT exits at once. Returns the signal and a function that removes the handlers.
 */
function interruptible(io: Io): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) {
      io.err('gwsim: interrupted again, exiting now');
      process.exit(130);
    }
    io.err('gwsim: interrupted, stopping cleanly and writing the report… (Ctrl-C again to exit at once)');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function run(loaded: LoadedScenario, logger: Logger, io: Io, options: { json: boolean; out: string }): Promise<number> {
  // On a terminal the progress line is redrawn in place (raw writes); otherwise whole lines now and then.
  const live = new ProgressReporter(io.tty ? { tty: true, write: (s) => void process.stderr.write(s) } : { tty: false, write: (s) => io.err(s.replace(/\n$/, '')) });
  const { signal, dispose } = interruptible(io);
  try {
    const s = loaded.scenario;
    if (!options.json) io.out(`gwsim: running scenario "${s.name}" (${describeScenario(loaded)})`);
    const { report, calls } = await runScenario(loaded, {
      logger,
      signal,
      onCall: options.json ? undefined : (c) => {
        live.done();
        io.out(formatCall(c));
      },
      onPhase: (phase, detail) => phase === 'load' && live.line(`gwsim: load ${detail}`),
      onProgress: (p) => live.load(p),
    });
    live.done();
    const dir = resolve(options.out);
    const paths = await writeReports(report, dir);
    if (options.json) io.out(JSON.stringify(report, null, 2));
    else {
      io.out(formatSummary(report, calls));
      io.out(`reports: ${paths.json}, ${paths.junit}, ${paths.html}`);
    }
    return report.ok ? 0 : 1;
  } finally {
    dispose();
  }
}

async function repro(loaded: LoadedScenario, logger: Logger, io: Io, call: string | undefined): Promise<number> {
  const { signal, dispose } = interruptible(io);
  try {
    const r = await reproCall(loaded, { logger, call, signal });
    io.out(formatRepro(r));
    return r.ok ? 0 : 1;
  } finally {
    dispose();
  }
}

async function up(loaded: LoadedScenario, logger: Logger, io: Io): Promise<number> {
  const topo = await startUp(loaded, logger);
  try {
    io.out(`gwsim up: scenario "${loaded.scenario.name}" is running (Ctrl-C or SIGTERM to stop)\n`);
    io.out(describeTopology(topo));
    io.out('\nready');
    const why = await untilStopped();
    io.err(`gwsim up: ${why}, stopping…`);
  } finally {
    await topo.close();
  }
  io.out('gwsim up: stopped');
  return 0;
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
