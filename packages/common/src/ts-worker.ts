/**
 * Worker threads whose entry is TypeScript. Node 20 does not pass the parent's `--import tsx` loader hooks on
 * to worker threads (and under vitest the parent has no such hooks at all), so the worker registers tsx's
 * ESM hooks itself from an eval'd bootstrap, then imports the .ts entry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The eval code of a worker that runs `entry` (a .ts file URL). If the entry cannot be loaded, the worker
 * posts `{ type: 'failed', message: 'cannot load: …' }` to its parent and exits with code 70.
 */
export function tsWorkerCode(entry: URL): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
  const fail = `(e) => import('node:worker_threads').then((w) => { w.parentPort.postMessage({ type: 'failed', message: 'cannot load: ' + (e && e.message ? e.message : String(e)) }); process.exit(70); })`;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); }).catch(${fail});`;
}

/** Start a worker thread on a TypeScript entry (see `tsWorkerCode` for how a load failure is reported). */
export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  return new Worker(tsWorkerCode(entry), { ...options, eval: true });
}
