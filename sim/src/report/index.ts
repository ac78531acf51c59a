/** Reports of a run: thresholds, SIP ladders, measured media, report.json / junit.xml / report.html. */
export * from './report-types.ts';
export { evaluateThresholds, parseThreshold, THRESHOLD_METRICS, type MetricUnit, type Threshold, type ThresholdOp } from './thresholds.ts';
export { LadderRecorder, ladderEntryFromTrace, renderLadderText, type LadderRecorderDump, type LadderRecorderOptions } from './ladder.ts';
export { ladderArrows, type LadderArrow } from './ladder-arrows.ts';
export { renderJunit } from './junit.ts';
export { renderHtml } from './html.ts';
export { callMediaReport, MEDIA_HOP_NAMES, MediaAggregator, mediaSummary } from './media.ts';
export { REPORT_FORMATS, writeReports, type ReportFormat } from './write.ts';
