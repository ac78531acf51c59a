/** The load generator's public API (re-exported by the sim package). */
export * from './load-types.ts';
export { ArrivalSchedule, arrivalTimes, expectedCalls, rampTime } from './arrivals.ts';
export { nominalMean, sample, sampler, type Sampler } from './distributions.ts';
export { LatencyHistogram, type EncodedHistogram } from './histogram.ts';
export { classifyCall, FAILURES, LOAD_OUTCOMES, rejectedOutcome, unexpectedResponse, type CallObservation, type Classification } from './taxonomy.ts';
export { MixPicker, resolvePlan, validateDistribution, type ResolvedPlan } from './plan.ts';
export { runLoad, toLoadProgress } from './generator.ts';
export { DEFAULT_WARM_UP_CALLS, warmUp } from './warm-up.ts';
export { SipUacDriver, validateSipUacOptions } from './sip-uac-driver.ts';
export { LeanUacDriver, type LeanUacCounters } from './lean-uac.ts';
export { createSipUacDriver } from './sip-uac-engines.ts';
