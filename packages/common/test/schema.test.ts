import { array, boolean, ConfigError, integer, object, oneOf, optional, parse, string, tagged } from '../src/index.ts';
import { describe, expect, it } from 'vitest';


function pathOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.path;
    throw err;
  }
  return undefined;
}

// The validator lives in @gwsim/common (promoted from this package); these tests pin the behaviour meet relies on.
describe('schema', () => {
  const thing = object({
    name: string({ min: 1, max: 5 }),
    count: optional(integer({ min: 0, max: 9 })),
    flags: optional(array(boolean(), { max: 2 })),
    mode: optional(oneOf(['a', 'b'])),
    pick: optional(tagged('kind', { x: object({ n: integer() }), y: object({}) })),
  });

  it('parses valid input into frozen values and leaves absent optional fields out', () => {
    const v = parse(thing, { name: 'ok', flags: [true], pick: { kind: 'x', n: 3 } });
    expect(v).toEqual({ name: 'ok', flags: [true], pick: { kind: 'x', n: 3 } });
    expect(Object.isFrozen(v) && Object.isFrozen(v.flags) && Object.isFrozen(v.pick)).toBe(true);
    expect('count' in v).toBe(false);
  });

  it('names the field path of every kind of mistake', () => {
    expect(pathOf(() => parse(thing, {}))).toBe('name');
    expect(pathOf(() => parse(thing, { name: 7 }))).toBe('name');
    expect(pathOf(() => parse(thing, { name: 'toolong' }))).toBe('name');
    expect(pathOf(() => parse(thing, { name: 'a', count: 1.5 }))).toBe('count');
    expect(pathOf(() => parse(thing, { name: 'a', count: null }))).toBe('count');
    expect(pathOf(() => parse(thing, { name: 'a', flags: [true, 'no'] }))).toBe('flags[1]');
    expect(pathOf(() => parse(thing, { name: 'a', flags: [true, true, true] }))).toBe('flags');
    expect(pathOf(() => parse(thing, { name: 'a', mode: 'c' }))).toBe('mode');
    expect(pathOf(() => parse(thing, { name: 'a', extra: 1 }))).toBe('extra');
    expect(pathOf(() => parse(thing, { name: 'a', pick: { kind: 'z' } }))).toBe('pick.kind');
    expect(pathOf(() => parse(thing, { name: 'a', pick: {} }))).toBe('pick.kind');
    expect(pathOf(() => parse(thing, { name: 'a', pick: { kind: 'x' } }))).toBe('pick.n');
    expect(pathOf(() => parse(thing, { name: 'a', pick: { kind: 'y', n: 1 } }))).toBe('pick.n');
    expect(pathOf(() => parse(thing, []))).toBe('');
  });

  it('says what is allowed', () => {
    expect(() => parse(thing, { name: 'a', mode: 'c' })).toThrow("mode: must be one of 'a', 'b', got the string \"c\"");
    expect(() => parse(thing, { name: 'a', typo: 1 })).toThrow(/typo: unknown field \(allowed fields: name, count, flags, mode, pick\)/);
  });

  it('rejects __proto__ smuggled through JSON', () => {
    expect(pathOf(() => parse(thing, JSON.parse('{"name":"a","__proto__":{"polluted":true}}')))).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

});
