#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (the workspace runs sources directly; there is no build step yet).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exit(await main(process.argv.slice(2)));
