/**
 * Writes scenario.schema.json (repository root) from the scenario schema objects, for editor completion.
 * Run: npx tsx sim/scripts/gen-json-schema.ts   — sim/test/json-schema.test.ts fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderScenarioJsonSchema, SCENARIO_SCHEMA_FILE } from '../src/json-schema.ts';

const file = fileURLToPath(SCENARIO_SCHEMA_FILE);
writeFileSync(file, renderScenarioJsonSchema());
process.stdout.write(`wrote ${file}\n`);
