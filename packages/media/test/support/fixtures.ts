import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A fixture SDP with CRLF line endings (whatever a checkout did to them). */
export function fixture(name: string): string {
  return readFileSync(DIR + name, 'utf8').replace(/\r?\n/g, '\r\n');
}

export function fixtureNames(): string[] {
  return readdirSync(DIR).filter((n) => n.endsWith('.sdp')).sort();
}
