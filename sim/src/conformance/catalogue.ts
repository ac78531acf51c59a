/**
 * The conformance catalogue: every case, in the order they are listed and documented (docs/conformance.md
 * is generated from here by sim/scripts/gen-conformance-doc.ts). Ids are stable: a changed check bumps the
 * case's `version`, a new check gets a new id, and a retired id is never reused.
 */
import { ConfigError } from '@gwsim/common';
import { ADMISSION_CASES } from './cases-admission.ts';
import { DIAL_CASES } from './cases-dial.ts';
import { DNS_CASES } from './cases-dns.ts';
import { MEDIA_CASES } from './cases-media.ts';
import { OUTCOME_CASES } from './cases-outcomes.ts';
import type { ConformanceCase } from './types.ts';

/** Version of the catalogue as a whole: bumped whenever a case is added, removed or changes version. */
export const CATALOGUE_VERSION = '1.0.0';

export const CASE_ID = /^GW-[A-Z]+-\d{3}$/;

export const CATALOGUE: readonly ConformanceCase[] = Object.freeze([...DIAL_CASES, ...ADMISSION_CASES, ...OUTCOME_CASES, ...DNS_CASES, ...MEDIA_CASES]);

/** Every tag used, sorted. */
export function catalogueTags(cases: readonly ConformanceCase[] = CATALOGUE): string[] {
  return [...new Set(cases.flatMap((c) => c.tags))].sort();
}

/** `GW-DNS-*` matches every id starting with `GW-DNS-`; other patterns match one id exactly (case-insensitive). */
function idMatches(pattern: string, id: string): boolean {
  const p = pattern.toUpperCase();
  return p.endsWith('*') ? id.startsWith(p.slice(0, -1)) : id === p;
}

/**
 * The cases selected by id patterns and tags: with ids, only those; with tags, only cases carrying at least
 * one of them; both: both. A pattern or tag that selects nothing is an error naming what exists.
 */
export function selectCases(filters: { ids?: readonly string[]; tags?: readonly string[] } = {}, cases: readonly ConformanceCase[] = CATALOGUE): ConformanceCase[] {
  const ids = filters.ids ?? [];
  const tags = (filters.tags ?? []).map((t) => t.toLowerCase());
  ids.forEach((p, i) => {
    if (!cases.some((c) => idMatches(p, c.id))) throw new ConfigError(`ids[${i}]`, `"${p}" matches no case (ids look like GW-DIAL-001; GW-DIAL-* selects a group)`);
  });
  const known = catalogueTags(cases);
  tags.forEach((t, i) => {
    if (!known.includes(t)) throw new ConfigError(`tags[${i}]`, `unknown tag "${t}" (tags: ${known.join(', ')})`);
  });
  const out = cases.filter((c) => (ids.length === 0 || ids.some((p) => idMatches(p, c.id))) && (tags.length === 0 || c.tags.some((t) => tags.includes(t))));
  if (out.length === 0) throw new ConfigError(ids.length ? 'ids' : 'tags', 'the id patterns and tags together select no case');
  return out;
}
