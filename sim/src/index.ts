export * from './scenario-schema.ts';
export * from './scenario-file.ts';
export * from './topology.ts';
export * from './run.ts';
export * from './summary.ts';
export { main } from './cli.ts';
