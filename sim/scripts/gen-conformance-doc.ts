/**
 * Writes docs/conformance.md from the conformance catalogue. `--check` only compares and exits 1 when the
 * committed file differs (sim/test/conformance/catalogue.test.ts does the same check in the test run).
 *
 *   npx tsx sim/scripts/gen-conformance-doc.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CONFORMANCE_DOC_PATH, renderConformanceDoc } from '../src/conformance/doc.ts';

const file = fileURLToPath(new URL(`../../${CONFORMANCE_DOC_PATH}`, import.meta.url));
const text = renderConformanceDoc();
if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write(`${CONFORMANCE_DOC_PATH} is out of date: run npx tsx sim/scripts/gen-conformance-doc.ts\n`);
    process.exit(1);
  }
  process.stdout.write(`${CONFORMANCE_DOC_PATH} is up to date\n`);
} else {
  await writeFile(file, text, 'utf8');
  process.stdout.write(`wrote ${CONFORMANCE_DOC_PATH}\n`);
}
