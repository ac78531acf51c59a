/**
 * `runConformance`: select cases, start the target, decide applicability, run the applicable cases with
 * bounded concurrency (each with its own time budget and clean-up), and build the report. A case that cannot
 * run against the target is reported not applicable with the reason — never passed.
 */
import { ConfigError, errorMessage, silentLogger, type Logger } from '@gwsim/common';
import { LadderRecorder } from '../report/ladder.ts';
import type { CallSample } from '../report/report-types.ts';
import { VERSION } from '../run.ts';
import { BREAKAGES, type Breakage } from './breakages.ts';
import { CATALOGUE_VERSION, selectCases } from './catalogue.ts';
import { caseContext, CaseScope, type ConformanceTarget } from './context.ts';
import { EmbeddedTarget } from './embedded.ts';
import { CaseFailure, NotApplicableHere } from './expect.ts';
import { ExternalTarget, type ExternalTargetOptions } from './external.ts';
import { writeConformanceReports } from './write.ts';
import { CAPABILITY_HELP, type CaseResult, type CaseStatus, type ConformanceCase, type ConformanceReport } from './types.ts';

export interface ConformanceOptions {
  /** `embedded` (default): the simulator's own topology; otherwise an external SIP target. */
  target?: 'embedded' | ExternalTargetOptions;
  /** Case ids to run (`GW-DNS-*` for a group); default all. */
  ids?: readonly string[];
  /** Only cases with one of these tags. */
  tags?: readonly string[];
  /** Cases run at once (default 4). */
  concurrency?: number;
  /** Write report.json, junit.xml and report.html here. */
  outDir?: string;
  /** Embedded only: deliberately broken set-ups (names from BREAKAGES, or Breakage objects). */
  breakages?: ReadonlyArray<string | Breakage>;
  /** Embedded only: move the fixtures from 127.0.54.x to `<block>.x`. */
  block?: string;
  logger?: Logger;
  /** Abort: stop starting cases, stop the running ones, still report. */
  signal?: AbortSignal;
  /** Each case as it finishes (not-applicable ones at the start). */
  onCase?: (result: CaseResult) => void;
}

/** Default time a case may take. */
export const DEFAULT_CASE_BUDGET_MS = 20_000;

function resolveBreakages(list: ReadonlyArray<string | Breakage>): Breakage[] {
  return list.map((b, i) => {
    if (typeof b !== 'string') return b;
    const found = BREAKAGES[b];
    if (!found) throw new ConfigError(`breakages[${i}]`, `unknown breakage "${b}" (known: ${Object.keys(BREAKAGES).join(', ')})`);
    return found;
  });
}

/** Why the case cannot run against this target, or null. */
export function notApplicableReason(c: ConformanceCase, target: Pick<ConformanceTarget, 'capabilities' | 'targetMissing' | 'reception'>): string | null {
  const missing = c.needs.filter((n) => !target.capabilities.has(n));
  if (missing.length) return `needs ${missing.map((m) => CAPABILITY_HELP[m]).join('; and ')}`;
  for (const label of c.targets) {
    const why = target.targetMissing(label);
    if (why) return why;
  }
  if (c.reception && !target.reception()) return 'needs a Virtual Reception to dial (--reception <dial string>)';
  return null;
}

function resultOf(c: ConformanceCase, status: CaseStatus, message: string, extra: Partial<CaseResult> = {}): CaseResult {
  return { id: c.id, version: c.version, title: c.title, rule: c.rule, tags: [...c.tags], status, message, notes: [], durationMs: 0, samples: [], ...extra };
}

async function runCase(c: ConformanceCase, target: ConformanceTarget, recorder: LadderRecorder, outer: AbortSignal | undefined): Promise<CaseResult> {
  const scope = new CaseScope();
  const budget = c.budgetMs?.(target.timing) ?? DEFAULT_CASE_BUDGET_MS;
  const started = performance.now();
  const onOuter = () => scope.controller.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  const timer = setTimeout(() => scope.controller.abort(), budget);
  let status: CaseStatus;
  let message: string;
  try {
    const stopped = new Promise<'stopped'>((resolve) => scope.controller.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
    const running = c.run(caseContext(target, scope));
    running.catch(() => {}); // still settles after a stop; its failure is no longer news
    const done = await Promise.race([running.then(() => 'done' as const), stopped]);
    if (done === 'stopped') {
      status = 'error';
      message = outer?.aborted ? 'stopped: the run was interrupted' : `did not finish within its ${budget} ms`;
    } else {
      status = 'pass';
      message = scope.notes.join('; ') || 'passed';
    }
  } catch (err) {
    if (err instanceof CaseFailure) status = 'fail';
    else if (err instanceof NotApplicableHere) status = 'not_applicable';
    else status = 'error';
    message = status === 'error' ? `the case could not run: ${errorMessage(err)}` : err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    scope.controller.abort();
    await scope.dispose();
  }
  const samples: CallSample[] = [];
  if (status === 'fail' || status === 'error') {
    for (const call of scope.calls.slice(0, 12)) {
      const ladder = recorder.ladder(call.callId);
      if (ladder.length) samples.push({ name: `${c.id} ${call.name}`, callId: call.callId, outcome: status, explanation: message, ladder });
    }
  }
  return resultOf(c, status, message, { notes: scope.notes, durationMs: Math.round(performance.now() - started), samples });
}

/** Run the selected cases against the target and report. Throws ConfigError for bad filters or options. */
export async function runConformance(options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const cases = selectCases({ ids: options.ids, tags: options.tags });
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new ConfigError('concurrency', 'must be a whole number from 1 to 64');
  const breakages = resolveBreakages(options.breakages ?? []);
  const spec = options.target ?? 'embedded';
  if (spec !== 'embedded' && breakages.length) throw new ConfigError('breakages', 'apply to the embedded topology only');
  const startedAt = new Date();
  const started = performance.now();
  const recorder = new LadderRecorder({ maxCalls: 2000 }).start();
  const logger = options.logger ?? silentLogger;
  let target: ConformanceTarget | null = null;
  const results = new Map<string, CaseResult>();
  try {
    target = spec === 'embedded' ? await EmbeddedTarget.start({ block: options.block, breakages, logger }) : await ExternalTarget.start({ ...spec, logger });
    const runnable: ConformanceCase[] = [];
    for (const c of cases) {
      const why = notApplicableReason(c, target);
      if (!why) {
        runnable.push(c);
        continue;
      }
      const r = resultOf(c, 'not_applicable', why);
      results.set(c.id, r);
      options.onCase?.(r);
    }
    let next = 0;
    const t = target;
    const worker = async () => {
      while (next < runnable.length) {
        const c = runnable[next++]!;
        const r = options.signal?.aborted ? resultOf(c, 'error', 'not run: the run was interrupted') : await runCase(c, t, recorder, options.signal);
        results.set(c.id, r);
        options.onCase?.(r);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, runnable.length) }, worker));
  } finally {
    await target?.close();
    recorder.stop();
  }
  const ordered = cases.map((c) => results.get(c.id)!);
  const counts: Record<CaseStatus, number> = { pass: 0, fail: 0, not_applicable: 0, error: 0 };
  for (const r of ordered) counts[r.status]++;
  const report: ConformanceReport = {
    tool: { name: 'gwsim', version: VERSION },
    suite: { name: 'gwsim conformance', catalogueVersion: CATALOGUE_VERSION },
    target: { kind: target!.kind, description: target!.describe(), capabilities: [...target!.capabilities], breakages: [...target!.breakages] },
    filters: { ids: [...(options.ids ?? [])], tags: [...(options.tags ?? [])] },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    ok: counts.fail === 0 && counts.error === 0 && counts.pass > 0,
    counts,
    cases: ordered,
  };
  if (options.outDir) await writeConformanceReports(report, options.outDir);
  return report;
}
