import { array, boolean, ConfigError, documented, integer, jsonPattern, number, object, oneOf, optional, parse, string, tagged, toJsonSchema, withJsonSchema, type Schema } from '../src/index.ts';
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

  describe('toJsonSchema (draft 2020-12)', () => {
    it('describes every builder with the constraints it checks', () => {
      expect(toJsonSchema(thing)).toEqual({
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 5 },
          count: { type: 'integer', minimum: 0, maximum: 9 },
          flags: { type: 'array', items: { type: 'boolean' }, maxItems: 2 },
          mode: { type: 'string', enum: ['a', 'b'] },
          pick: {
            type: 'object',
            required: ['kind'],
            properties: { kind: { type: 'string', enum: ['x', 'y'] } },
            oneOf: [
              { type: 'object', properties: { kind: { const: 'x' }, n: { type: 'integer' } }, required: ['kind', 'n'], additionalProperties: false },
              { type: 'object', properties: { kind: { const: 'y' } }, required: ['kind'], additionalProperties: false },
            ],
          },
        },
        required: ['name'],
        additionalProperties: false,
      });
    });

    it('number() takes fractions within its bounds and says so in JSON Schema', () => {
      const rate = number({ min: 0.1, max: 10 });
      expect(rate.parse(2.5, 'rate')).toBe(2.5);
      expect(() => rate.parse(0, 'rate')).toThrow('rate: must be a number from 0.1 to 10, got number 0');
      expect(pathOf(() => rate.parse(Number.NaN, 'rate'))).toBe('rate');
      expect(toJsonSchema(rate)).toEqual({ type: 'number', minimum: 0.1, maximum: 10 });
    });

    it('keeps a string hint as the description and a plain pattern as is', () => {
      expect(toJsonSchema(string({ pattern: /^\d{13}$/, hint: '13 digits' }))).toEqual({ type: 'string', maxLength: 1024, pattern: '^\\d{13}$', description: '13 digits' });
    });

    it('hand-written schemas fall back to their words, or carry their own JSON Schema; documented() adds a description', () => {
      const custom: Schema<string> = { expects: 'a secret', parse: (v) => String(v) };
      expect(toJsonSchema(custom)).toEqual({ description: 'a secret' });
      expect(toJsonSchema(withJsonSchema(custom, { type: 'string' }))).toEqual({ type: 'string' });
      const d = documented(integer({ min: 1, max: 2 }), 'how many');
      expect(toJsonSchema(d)).toEqual({ type: 'integer', minimum: 1, maximum: 2, description: 'how many' });
      expect(d.parse(2, 'n')).toBe(2);
      expect(pathOf(() => d.parse(3, 'n'))).toBe('n');
    });

    it('spells out a case-insensitive regex so the pattern accepts exactly what the regex does', () => {
      const cases: Array<[RegExp, string[]]> = [
        [/^[a-z0-9][a-z0-9_-]*$/i, ['Px01', 'a', 'A_b-C', '-a', 'a b', '', 'é']],
        [/^[^\s@]{1,64}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i, ['Host@Example.COM', 'a@b', 'x y@a.b', 'a@b.c']],
        [/^sip:[0-9*#A-D]+$/i, ['SIP:12ab#', 'sip:1e', 'sIp:*']],
      ];
      for (const [re, samples] of cases) {
        const p = jsonPattern(re)!;
        expect(p).toBeDefined();
        const plain = new RegExp(p);
        for (const sample of samples) expect(plain.test(sample), `${re} on ${JSON.stringify(sample)}`).toBe(re.test(sample));
      }
      expect(jsonPattern(/a/g)).toBeUndefined();
      expect(jsonPattern(/\u00e9/i)).toBeUndefined();
    });
  });
});
