/**
 * Zone files: the subset of the RFC 1035 §5 master-file format (as BIND reads it) that a SIP deployment
 * needs: `$ORIGIN`, `$TTL` (RFC 2308 §4, with BIND's s/m/h/d/w units), `@`, relative and absolute names,
 * an omitted owner meaning the previous one, TTL and class in either order, `;` comments, `( … )` across
 * lines, quoted strings with `\X` / `\DDD` escapes, and the types SOA, A, AAAA, CNAME, SRV, NAPTR, TXT.
 * Errors are ZoneFileErrors naming file:line and what is allowed.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, errorMessage } from '@gwsim/common';
import type { SoaFields } from './zone.ts';
import { DEFAULT_TTL, Zone, type RecordInput } from './zone.ts';

/** A zone-file problem located in its file: `file:line: path: message`. */
export class ZoneFileError extends ConfigError {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, path: string, message: string, options?: { cause?: unknown }) {
    super(path, message, options);
    this.file = file;
    this.line = line;
    this.message = `${file}:${line}: ${path ? `${path}: ` : ''}${message}`;
    this.name = 'ZoneFileError';
  }
}

export interface ZoneFileOptions {
  /** Name used in error messages; default `zone file`. */
  file?: string;
  /** The zone apex; default the first `$ORIGIN`, else the SOA owner. Also the initial origin for relative names. */
  origin?: string;
  /** TTL for records before any `$TTL` and without their own; default DEFAULT_TTL. */
  ttl?: number;
}

const TYPES = ['SOA', 'A', 'AAAA', 'CNAME', 'SRV', 'NAPTR', 'TXT'] as const;
type FileType = (typeof TYPES)[number];
const ALLOWED_TYPES = TYPES.join(', ');
const MAX_TTL = 0x7fffffff;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

interface Token {
  text: string;
  quoted: boolean;
}

interface Entry {
  line: number;
  /** The line began with blank space: the owner is the previous record's (RFC 1035 §5.1). */
  ownerOmitted: boolean;
  tokens: Token[];
}

/** Read and parse a zone file. */
export async function loadZoneFile(path: string, options: Omit<ZoneFileOptions, 'file'> = {}): Promise<Zone> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read zone file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  return parseZoneFile(text, { ...options, file: path });
}

/** Parse master-file text into a Zone. */
export function parseZoneFile(text: string, options: ZoneFileOptions = {}): Zone {
  const file = options.file ?? 'zone file';
  const fail = (line: number, message: string, path = ''): never => {
    throw new ZoneFileError(file, line, path, message);
  };
  const defaultTtl = options.ttl ?? DEFAULT_TTL;
  let origin: string | undefined = options.origin === undefined ? undefined : absolute(options.origin);
  let firstOrigin: string | undefined;
  let dollarTtl: number | undefined;
  let owner: string | undefined;
  let soa: { line: number; owner: string; fields: SoaFields } | undefined;
  const records: Array<{ line: number; record: RecordInput }> = [];

  const name = (tok: Token | undefined, line: number, what: string): string => {
    if (!tok) return fail(line, `missing ${what}`);
    if (tok.quoted) return fail(line, `${what} must not be quoted`);
    if (tok.text === '@') return origin ?? fail(line, `"@" used before any $ORIGIN (give one, or pass options.origin)`);
    if (tok.text === '.') return '';
    if (tok.text.endsWith('.') && !tok.text.endsWith('\\.')) return tok.text.slice(0, -1).toLowerCase();
    if (origin === undefined) return fail(line, `relative name "${tok.text}" used before any $ORIGIN (end it with "." or give $ORIGIN)`);
    return (origin === '' ? tok.text : `${tok.text}.${origin}`).toLowerCase();
  };
  const num = (tok: Token | undefined, line: number, what: string, max: number): number => {
    const v = tok && !tok.quoted && /^\d+$/.test(tok.text) ? Number(tok.text) : NaN;
    if (!(v <= max)) fail(line, `${what} must be an integer from 0 to ${max}, got ${tok ? JSON.stringify(tok.text) : 'nothing'}`);
    return v;
  };
  const ttlOf = (tok: Token | undefined, line: number, what: string): number => {
    const v = tok && !tok.quoted ? parseTtl(tok.text) : undefined;
    if (v === undefined) return fail(line, `${what} must be a TTL (seconds, or BIND units like 1h30m: s m h d w), got ${tok ? JSON.stringify(tok.text) : 'nothing'}`);
    if (v > MAX_TTL) return fail(line, `${what} ${tok!.text} is above ${MAX_TTL} seconds (RFC 2181 §8)`);
    return v;
  };

  for (const entry of tokenize(text, file)) {
    const { line } = entry;
    const tokens = [...entry.tokens];
    const first = tokens[0]!;
    if (!entry.ownerOmitted && !first.quoted && first.text.startsWith('$')) {
      const directive = first.text.toUpperCase();
      if (directive === '$ORIGIN') {
        if (tokens.length !== 2) fail(line, '$ORIGIN takes one domain name');
        origin = name(tokens[1], line, '$ORIGIN name');
        firstOrigin ??= origin;
      } else if (directive === '$TTL') {
        if (tokens.length !== 2) fail(line, '$TTL takes one TTL');
        dollarTtl = ttlOf(tokens[1], line, '$TTL');
      } else {
        fail(line, `unsupported directive ${first.text} (allowed: $ORIGIN, $TTL)`);
      }
      continue;
    }
    if (entry.ownerOmitted) {
      if (owner === undefined) fail(line, 'the first record must name its owner (the line starts with blank space)');
    } else {
      owner = name(tokens.shift(), line, 'owner name');
    }
    let ttl: number | undefined;
    let sawClass = false;
    let type: FileType | undefined;
    while (type === undefined) {
      const tok = tokens.shift();
      if (!tok) return fail(line, `missing record type (allowed: ${ALLOWED_TYPES})`);
      const upper = tok.text.toUpperCase();
      if (!tok.quoted && ttl === undefined && /^\d/.test(tok.text)) ttl = ttlOf(tok, line, 'TTL');
      else if (!tok.quoted && !sawClass && upper === 'IN') sawClass = true;
      else if (!tok.quoted && !sawClass && ['CH', 'HS', 'CS', 'ANY', 'NONE'].includes(upper)) fail(line, `class ${tok.text} is not supported (only IN)`);
      else if (!tok.quoted && (TYPES as readonly string[]).includes(upper)) type = upper as FileType;
      else fail(line, `unsupported record type ${JSON.stringify(tok.text)} (allowed: ${ALLOWED_TYPES})`);
    }
    const recordTtl = ttl ?? dollarTtl ?? defaultTtl;
    const want = (n: number, fields: string) => {
      if (tokens.length !== n) fail(line, `${type} takes ${n} field${n > 1 ? 's' : ''} (${fields}), got ${tokens.length}`);
    };
    const at = owner!;
    switch (type) {
      case 'SOA': {
        want(7, 'mname rname serial refresh retry expire minimum');
        if (soa) fail(line, `a second SOA record (the first is on line ${soa.line})`);
        const t = (i: number, what: string) => ttlOf(tokens[i], line, `SOA ${what}`);
        soa = {
          line,
          owner: at,
          fields: {
            ttl: recordTtl,
            mname: name(tokens[0], line, 'SOA mname'),
            rname: name(tokens[1], line, 'SOA rname'),
            serial: num(tokens[2], line, 'SOA serial', 0xffffffff),
            refresh: t(3, 'refresh'),
            retry: t(4, 'retry'),
            expire: t(5, 'expire'),
            minimum: t(6, 'minimum'),
          },
        };
        continue;
      }
      case 'A':
      case 'AAAA':
        want(1, 'address');
        records.push({ line, record: { name: at, type, ttl: recordTtl, address: tokens[0]!.text } });
        continue;
      case 'CNAME':
        want(1, 'target');
        records.push({ line, record: { name: at, type, ttl: recordTtl, target: name(tokens[0], line, 'CNAME target') } });
        continue;
      case 'SRV':
        want(4, 'priority weight port target');
        records.push({
          line,
          record: {
            name: at, type, ttl: recordTtl,
            priority: num(tokens[0], line, 'SRV priority', 0xffff), weight: num(tokens[1], line, 'SRV weight', 0xffff),
            port: num(tokens[2], line, 'SRV port', 0xffff), target: name(tokens[3], line, 'SRV target'),
          },
        });
        continue;
      case 'NAPTR':
        want(6, 'order preference "flags" "service" "regexp" replacement');
        records.push({
          line,
          record: {
            name: at, type, ttl: recordTtl,
            order: num(tokens[0], line, 'NAPTR order', 0xffff), preference: num(tokens[1], line, 'NAPTR preference', 0xffff),
            flags: tokens[2]!.text, service: tokens[3]!.text, regexp: tokens[4]!.text,
            replacement: name(tokens[5], line, 'NAPTR replacement'),
          },
        });
        continue;
      case 'TXT':
        if (tokens.length === 0) fail(line, 'TXT takes one or more strings');
        records.push({ line, record: { name: at, type, ttl: recordTtl, data: tokens.map((t) => t.text) } });
        continue;
    }
  }

  const apex = options.origin !== undefined ? absolute(options.origin) : (firstOrigin ?? soa?.owner);
  if (apex === undefined) throw new ZoneFileError(file, 1, '', 'no zone origin: add a SOA record or $ORIGIN, or pass options.origin');
  if (soa && soa.owner !== apex) fail(soa.line, `the SOA owner ${soa.owner} is not the zone apex ${apex}`);
  try {
    // Records go in through the constructor so that loading is not counted as changes to the SOA serial.
    return new Zone({ origin: apex, ttl: options.ttl ?? dollarTtl ?? defaultTtl, soa: soa?.fields, records: records.map((r) => r.record) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const message = err.message.slice(err.path ? err.path.length + 2 : 0);
    const at = /^records\[(\d+)\]\.?(.*)$/.exec(err.path);
    if (!at) throw new ZoneFileError(file, soa?.line ?? 1, err.path, message, { cause: err });
    const { line, record } = records[Number(at[1])]!;
    throw new ZoneFileError(file, line, at[2] ? `${record.type} ${at[2]}` : '', message, { cause: err });
  }
}

/** Seconds from `3600` or BIND's unit form (`1h30m`, `2d`, `1w`); undefined when neither. */
export function parseTtl(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhdw])+$/i.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdw])/gi)) total += Number(m[1]) * UNIT[m[2]!.toLowerCase()]!;
  return total;
}

function absolute(name: string): string {
  return name === '.' ? '' : name.replace(/\.$/, '').toLowerCase();
}

/** Split the text into entries (one per logical line: parentheses join lines), with comments removed. */
function tokenize(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let depth = 0;
  let openedAt = 0;
  let entry: Entry | undefined;
  let atLineStart = true;
  const push = (tok: Token, ownerOmitted: boolean) => {
    entry ??= { line, ownerOmitted, tokens: [] };
    entry.tokens.push(tok);
  };
  const endLine = () => {
    if (depth > 0) return;
    if (entry) entries.push(entry);
    entry = undefined;
  };
  let lineStartsBlank = false;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (atLineStart) {
      lineStartsBlank = c === ' ' || c === '\t';
      atLineStart = false;
    }
    if (c === '\n') {
      endLine();
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '(') {
      if (depth === 0) openedAt = line;
      depth++;
      i++;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw new ZoneFileError(file, line, '', '")" without a matching "("');
      depth--;
      i++;
      continue;
    }
    // A token continues an entry opened on an earlier line (inside parentheses) or starts one on this line.
    const ownerOmitted = entry === undefined && lineStartsBlank;
    if (c === '"') {
      let out = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length || text[j] === '\n') throw new ZoneFileError(file, line, '', 'unterminated quoted string (a string ends on its own line)');
        const d = text[j]!;
        if (d === '"') break;
        if (d === '\\') {
          const [ch, used] = unescape(text, j, file, line);
          out += ch;
          j += used;
          continue;
        }
        out += d;
        j++;
      }
      push({ text: out, quoted: true }, ownerOmitted);
      i = j + 1;
      continue;
    }
    let j = i;
    let out = '';
    while (j < text.length && !' \t\r\n;()"'.includes(text[j]!)) {
      if (text[j] === '\\' && j + 1 < text.length) {
        // Keep `\.` escapes in names (a literal dot inside a label); undo the others.
        if (text[j + 1] === '.') {
          out += '\\.';
          j += 2;
          continue;
        }
        const [ch, used] = unescape(text, j, file, line);
        out += ch;
        j += used;
        continue;
      }
      out += text[j];
      j++;
    }
    push({ text: out, quoted: false }, ownerOmitted);
    i = j;
  }
  if (depth > 0) throw new ZoneFileError(file, openedAt, '', '"(" is never closed');
  endLine();
  return entries;
}

/** `\X` → X, `\DDD` → the byte DDD (RFC 1035 §5.1). Returns the character and the characters consumed. */
function unescape(text: string, at: number, file: string, line: number): [string, number] {
  const digits = /^\d{3}/.exec(text.slice(at + 1, at + 4));
  if (digits) {
    const v = Number(digits[0]);
    if (v > 255) throw new ZoneFileError(file, line, '', `escape \\${digits[0]} is above 255`);
    return [String.fromCharCode(v), 4];
  }
  const next = text[at + 1];
  if (next === undefined || next === '\n') throw new ZoneFileError(file, line, '', 'dangling backslash at the end of a line');
  return [next, 2];
}
