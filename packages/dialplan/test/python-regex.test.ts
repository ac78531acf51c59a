import { describe, expect, it } from 'vitest';
import { compilePattern, compileTemplate, expandTemplate, translatePythonPattern } from '../src/index.ts';

describe('translatePythonPattern', () => {
  it.each([
    ['(\\d{13})(@.*)?', '(\\d{13})(@.*)?', ''],
    ['(?P<id>\\d{13})@vc\\.example\\.com', '(?<id>\\d{13})@vc\\.example\\.com', ''],
    ['(?P<x>a)(?P=x)', '(?<x>a)\\k<x>', ''],
    ['\\Aabc\\Z', '^abc$', ''],
    ['a(?#a comment)b', 'ab', ''],
    ['(?i)abc', 'abc', ''],
    ['(?s)a.b', 'a.b', 's'],
    ['(?ms)(?u)x', 'x', 'ms'],
    ['[]a]', '[\\]a]', ''],
    ['[^]a]', '[^\\]a]', ''],
    ['[(?P<n>)]', '[(?P<n>)]', ''],
    ['\\d{,3}', '\\d{0,3}', ''],
    ['\\a', '\\x07', ''],
    ['(?<=a)b(?<!c)', '(?<=a)b(?<!c)', ''],
    ['\\[\\d\\]\\.\\-', '\\[\\d\\]\\.\\-', ''],
  ])('%s → %s', (python, js, flags) => {
    expect(translatePythonPattern(python)).toEqual({ source: js, flags });
  });

  it.each([
    ['(?x) a b', 'verbose patterns (?x) are not supported'],
    ['(?L)a', '(?L) locale patterns are not supported'],
    ['(?(1)a|b)', 'conditional groups (?(id)yes|no) are not supported'],
    ['(?P<1a>x)', 'bad character in group name "1a"'],
    ['(?P<a', 'missing ">" to close a group name at position 4'],
    ['(?P=a', 'missing ")" to close a named back-reference at position 4'],
    ['\\k<a>', 'bad escape \\k: use (?P=name) for a named back-reference'],
    ['abc\\', 'bad escape (end of pattern)'],
    ['[abc', 'unterminated character set at position 0'],
  ])('rejects %s', (python, message) => {
    expect(() => translatePythonPattern(python)).toThrow(message);
  });
});

describe('compilePattern', () => {
  it('anchors the whole subject, ignores case and counts groups', () => {
    const p = compilePattern('(?P<id>\\d{13})(@(?P<host>.*))?|meet');
    expect(p.groupCount).toBe(3);
    expect(p.groupNames).toEqual(['id', 'host']);
    expect(p.regex.test('1234567890123')).toBe(true);
    expect(p.regex.test('MEET')).toBe(true);
    expect(p.regex.test('xmeet')).toBe(false);
    expect(p.regex.test('12345678901234')).toBe(false);
    expect(p.regex.test('1234567890123@h')).toBe(true);
  });

  it('treats an alternation as a whole-subject alternative, not a prefix/suffix match', () => {
    const p = compilePattern('a|b');
    expect(['a', 'b', 'ab', 'xa', 'bx'].map((s) => p.regex.test(s))).toEqual([true, true, false, false, false]);
  });
});

describe('compileTemplate / expandTemplate', () => {
  const pattern = compilePattern('(?P<id>\\d{13})(@(?P<host>[^;]*))?');
  const match = (s: string) => pattern.regex.exec(s)!;
  it.each([
    ['\\1', '1234567890123@vc.example.com', '1234567890123'],
    ['\\g<id>', '1234567890123@vc.example.com', '1234567890123'],
    ['\\g<1>-\\g<host>', '1234567890123@vc.example.com', '1234567890123-vc.example.com'],
    ['\\g<0>', '1234567890123@vc.example.com', '1234567890123@vc.example.com'],
    ['meet.\\1', '1234567890123', 'meet.1234567890123'],
    ['\\3', '1234567890123', ''], // an unmatched group expands to '' (Python ≥ 3.5)
    ['\\1\\\\x', '1234567890123', '1234567890123\\x'],
    ['a\\.b\\-c', '1234567890123', 'a\\.b\\-c'], // unknown non-letter escapes are kept
    ['\\t\\n', '1234567890123', '\t\n'],
  ])('%s on %s → %s', (template, subject, expected) => {
    expect(expandTemplate(compileTemplate(template, pattern), match(subject))).toBe(expected);
  });

  it('reads up to two digits as a group number, like Python', () => {
    expect(() => compileTemplate('\\19', pattern)).toThrow('invalid group reference 19 (the match string has 3 groups)');
    const many = compilePattern('(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)');
    expect(expandTemplate(compileTemplate('\\12\\1', many), many.regex.exec('abcdefghijkl')!)).toBe('la');
    expect(expandTemplate(compileTemplate('\\g<1>2', many), many.regex.exec('abcdefghijkl')!)).toBe('a2');
  });

  it.each([
    ['\\q', 'bad escape \\q'],
    ['\\g<nope>', 'unknown group name "nope"'],
    ['\\g<1x>', 'bad character in group name "1x"'],
    ['\\g', 'missing group name in \\g<...>'],
    ['\\123', 'octal escape \\123 is not supported (use \\g<0> for the whole match)'],
    ['\\4', 'invalid group reference 4 (the match string has 3 groups)'],
  ])('rejects %s', (template, message) => {
    expect(() => compileTemplate(template, pattern)).toThrow(message);
  });
});
