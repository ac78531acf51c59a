/**
 * Pexip regexes are Python `re` patterns, matched case-insensitively against the whole alias, with
 * `re.sub`-style replacement templates. This file translates the Python dialect into a JS RegExp and
 * compiles replacement templates (`\1`…`\99`, `\g<name>`, `\g<0>`). Errors are thrown as RegexSyntaxError
 * with a message naming the offending construct; the config validator attaches the field path.
 */
import { GwsimError } from '@gwsim/common';

/** A pattern or template the Python dialect (or its JS translation) rejects; code GWSIM_ERR_PARSE. */
export class RegexSyntaxError extends GwsimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GWSIM_ERR_PARSE', message, options);
    this.name = 'RegexSyntaxError';
  }
}

export interface CompiledPattern {
  /** The pattern as written in the config (Python dialect). */
  readonly source: string;
  /** Anchored, case-insensitive JS RegExp that must match the whole subject. */
  readonly regex: RegExp;
  /** Number of capturing groups. */
  readonly groupCount: number;
  /** Names of named groups. */
  readonly groupNames: readonly string[];
}

const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Escapes of ASCII letters that Python's `re` knows (others are errors there, so here too). */
const PY_LETTER_ESCAPES = new Set(['b', 'B', 'd', 'D', 's', 'S', 'w', 'W', 'f', 'n', 'r', 't', 'v', 'x', 'u']);

function readUntil(src: string, from: number, close: string, what: string): number {
  const end = src.indexOf(close, from);
  if (end < 0) throw new RegexSyntaxError(`missing "${close}" to close ${what} at position ${from}`);
  return end;
}

/** Translate a Python `re` pattern into JS RegExp source and the flags its leading `(?aiLmsux)` sets. */
export function translatePythonPattern(src: string): { source: string; flags: string } {
  let out = '';
  const flags = new Set<string>();
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new RegexSyntaxError('bad escape (end of pattern)');
      if (n === 'A') out += '^';
      else if (n === 'Z') out += '$';
      else if (n === 'a') out += '\\x07';
      else if (n === 'k') throw new RegexSyntaxError('bad escape \\k: use (?P=name) for a named back-reference');
      else if (/[A-Za-z]/.test(n) && !PY_LETTER_ESCAPES.has(n)) throw new RegexSyntaxError(`bad escape \\${n}`);
      else out += c + n;
      i += 2;
      continue;
    }
    if (c === '[') {
      // Copy a character class verbatim; Python allows ']' right after '[' or '[^' as a literal.
      let j = i + 1;
      let cls = '[';
      if (src[j] === '^') {
        cls += '^';
        j++;
      }
      if (src[j] === ']') {
        cls += '\\]';
        j++;
      }
      for (;;) {
        const d = src[j];
        if (d === undefined) throw new RegexSyntaxError(`unterminated character set at position ${i}`);
        if (d === '\\') {
          const n = src[j + 1];
          if (n === undefined) throw new RegexSyntaxError('bad escape (end of pattern)');
          cls += n === 'a' ? '\\x07' : d + n;
          j += 2;
          continue;
        }
        cls += d;
        j++;
        if (d === ']') break;
      }
      out += cls;
      i = j;
      continue;
    }
    if (c === '{' && src[i + 1] === ',') {
      const m = /^\{,(\d+)\}/.exec(src.slice(i));
      if (m) {
        out += `{0,${m[1]}}`; // Python's {,n} means {0,n}; JS would read it literally
        i += m[0].length;
        continue;
      }
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) {
        const end = readUntil(src, i + 4, '>', 'a group name');
        const name = src.slice(i + 4, end);
        if (!GROUP_NAME.test(name)) throw new RegexSyntaxError(`bad character in group name "${name}"`);
        out += `(?<${name}>`;
        i = end + 1;
        continue;
      }
      if (rest.startsWith('P=')) {
        const end = readUntil(src, i + 4, ')', 'a named back-reference');
        const name = src.slice(i + 4, end);
        if (!GROUP_NAME.test(name)) throw new RegexSyntaxError(`bad character in group name "${name}"`);
        out += `\\k<${name}>`;
        i = end + 1;
        continue;
      }
      if (rest.startsWith('#')) {
        i = readUntil(src, i + 3, ')', 'a comment') + 1;
        continue;
      }
      if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) {
        throw new RegexSyntaxError('(?<name>...) is not Python syntax: use (?P<name>...) for a named group');
      }
      if (rest.startsWith('(')) throw new RegexSyntaxError('conditional groups (?(id)yes|no) are not supported');
      const inline = /^([aiLmsux]+)([):])/.exec(rest);
      if (inline) {
        if (inline[2] === ':') throw new RegexSyntaxError(`scoped inline flags (?${inline[1]}:...) are not supported`);
        if (out !== '') {
          throw new RegexSyntaxError('global flags not at the start of the expression');
        }
        for (const f of inline[1]!) {
          if (f === 'x') throw new RegexSyntaxError('verbose patterns (?x) are not supported');
          if (f === 'L') throw new RegexSyntaxError('(?L) locale patterns are not supported');
          if (f === 'm' || f === 's') flags.add(f);
        }
        i += 2 + inline[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { source: out, flags: [...flags].sort().join('') };
}

function v8Message(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^Invalid regular expression: \/[\s\S]*\/[a-z]*: ([\s\S]*)$/.exec(msg);
  return m ? m[1]! : msg;
}

/** Compile a Python-flavoured pattern for whole-subject, case-insensitive matching. */
export function compilePattern(src: string): CompiledPattern {
  const { source, flags } = translatePythonPattern(src);
  let probe: RegExp;
  try {
    probe = new RegExp(source, 'i' + flags); // validate the pattern on its own before wrapping it
  } catch (err) {
    throw new RegexSyntaxError(v8Message(err), { cause: err });
  }
  const regex = new RegExp(`^(?:${source})$`, 'i' + flags);
  const probeAll = new RegExp(`${probe.source}|`, flags).exec('')!;
  return Object.freeze({
    source: src,
    regex,
    groupCount: probeAll.length - 1,
    groupNames: Object.freeze(Object.keys(probeAll.groups ?? {})),
  });
}

/** A compiled `re.sub` replacement template: literal text and group references. */
export type TemplatePart = { readonly text: string } | { readonly group: number | string };

export interface ReplaceTemplate {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

const TEMPLATE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/**
 * Compile a Python replacement template against a pattern's groups. Group references that the pattern does
 * not define are errors here (Python raises "invalid group reference" at substitution time).
 */
export function compileTemplate(src: string, pattern: Pick<CompiledPattern, 'groupCount' | 'groupNames'>): ReplaceTemplate {
  const parts: TemplatePart[] = [];
  let text = '';
  const pushGroup = (group: number | string) => {
    if (typeof group === 'number' && group > pattern.groupCount) {
      throw new RegexSyntaxError(`invalid group reference ${group} (the match string has ${pattern.groupCount} group${pattern.groupCount === 1 ? '' : 's'})`);
    }
    if (typeof group === 'string' && !pattern.groupNames.includes(group)) {
      throw new RegexSyntaxError(`unknown group name "${group}"`);
    }
    if (text !== '') parts.push({ text });
    text = '';
    parts.push({ group });
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c !== '\\') {
      text += c;
      i++;
      continue;
    }
    const n = src[i + 1];
    if (n === undefined) throw new RegexSyntaxError('bad escape (end of template)');
    if (n === 'g') {
      const m = /^<([^>]*)>/.exec(src.slice(i + 2));
      if (!m) throw new RegexSyntaxError('missing group name in \\g<...>');
      const ref = m[1]!;
      if (/^\d+$/.test(ref)) pushGroup(Number(ref));
      else if (GROUP_NAME.test(ref)) pushGroup(ref);
      else throw new RegexSyntaxError(`bad character in group name "${ref}"`);
      i += 2 + m[0].length;
      continue;
    }
    if (/\d/.test(n)) {
      const digits = /^\d{1,3}/.exec(src.slice(i + 1))![0];
      if (n === '0' || /^[0-7]{3}$/.test(digits)) {
        throw new RegexSyntaxError(`octal escape \\${digits} is not supported (use \\g<0> for the whole match)`);
      }
      const ref = digits.slice(0, 2);
      pushGroup(Number(ref));
      i += 1 + ref.length;
      continue;
    }
    const esc = TEMPLATE_ESCAPES[n];
    if (esc !== undefined) text += esc;
    else if (/[A-Za-z]/.test(n)) throw new RegexSyntaxError(`bad escape \\${n}`);
    else text += c + n; // Python keeps unknown non-letter escapes as written
    i += 2;
  }
  if (text !== '') parts.push({ text });
  return Object.freeze({ source: src, parts: Object.freeze(parts) });
}

/** Expand a template against a match; a group that did not participate expands to '' (Python ≥ 3.5). */
export function expandTemplate(template: ReplaceTemplate, match: RegExpExecArray): string {
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) out += part.text;
    else if (typeof part.group === 'number') out += match[part.group] ?? '';
    else out += match.groups?.[part.group] ?? '';
  }
  return out;
}
