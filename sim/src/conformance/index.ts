/** The conformance suite (`gwsim conformance`): catalogue, runner, targets, reports, docs. */
export * from './types.ts';
export { CATALOGUE, CATALOGUE_VERSION, CASE_ID, catalogueTags, selectCases } from './catalogue.ts';
export { TARGET_LABELS } from './labels.ts';
export { runConformance, notApplicableReason, DEFAULT_CASE_BUDGET_MS, type ConformanceOptions } from './runner.ts';
export { EmbeddedTarget, CONFORMANCE_TOPOLOGY, CONFORMANCE_SIDE_TOPOLOGY, UNKNOWN_MEETING_ID, type EmbeddedOptions } from './embedded.ts';
export { ExternalTarget, type ExternalTargetOptions } from './external.ts';
export { BREAKAGES, type Breakage, type ScenarioDoc } from './breakages.ts';
export { CaseFailure, NotApplicableHere } from './expect.ts';
export { renderConformanceJunit } from './junit.ts';
export { renderConformanceHtml } from './html.ts';
export { renderConformanceJson, writeConformanceReports } from './write.ts';
export { renderConformanceDoc, CONFORMANCE_DOC_PATH } from './doc.ts';
export { conformanceMain, parseConformanceArgs, formatCaseLine, formatConformanceSummary, CONFORMANCE_USAGE } from './cli.ts';
