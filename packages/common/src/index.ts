export * from './errors.ts';
export * from './emitter.ts';
export * from './clock.ts';
export * from './ids.ts';
export * from './logger.ts';
export * from './schema.ts';
export * from './random.ts';
export * from './ts-worker.ts';
