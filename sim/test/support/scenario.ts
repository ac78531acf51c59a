import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCENARIO } from '../../src/index.ts';

/**
 * The default scenario moved onto another 127.x.y.0/24 block (ports unchanged: they are per address), so a
 * test can run it beside other tests and beside a real `gwsim run` on 127.0.0.x. Each test uses its own block.
 */
export function relocatedDefault(block: string, mutate: (text: string) => string = (t) => t): string {
  const text = readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8');
  const moved = text.replace(/127\.0\.0\.(\d+)/g, `${block}.$1`);
  return mutate(moved);
}
