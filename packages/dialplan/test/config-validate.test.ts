import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { defaultRules, RULE_DEFAULTS, validateRoutingConfig } from '../src/index.ts';

const TOKENS = [
  { name: 'example.com (trusted)', token: 'secret-trusted' },
  { name: 'example.com (untrusted)', token: 'secret-untrusted' },
];

function base(): { gms_access_tokens: unknown[]; rules: Record<string, unknown>[]; virtual_receptions: Record<string, unknown>[] } {
  return {
    gms_access_tokens: TOKENS.map((t) => ({ ...t })),
    rules: [
      { priority: 10, name: 'trusted', match_incoming_only_if_registered: true, match_string: '(\\d{13})(@.*)?', replace_string: '\\1', called_device_type: 'gms_conference', gms_access_token: 'example.com (trusted)' },
      { priority: 20, name: 'untrusted', match_string: '(\\d{13})(@.*)?', replace_string: '\\1', called_device_type: 'gms_conference', gms_access_token: 'example.com (untrusted)' },
    ],
    virtual_receptions: [{ name: 'reception', alias: 'meet@vc.example.com', gms_access_token: 'example.com (untrusted)' }],
  };
}

type Config = ReturnType<typeof base>;

function errorOf(input: unknown): { path: string; message: string } {
  try {
    validateRoutingConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('GWSIM_ERR_INVALID_CONFIG');
    return { path: e.path, message: e.message };
  }
  throw new Error('expected a ConfigError');
}

const LONG = 'x'.repeat(251);

// [what, mutation, path, full message]
const ERRORS: [string, (c: Config) => unknown, string, string][] = [
  // whole document
  ['not an object', () => 'rules', '', 'expected a routing config (an object), got string "rules"'],
  ['null document', () => null, '', 'expected a routing config (an object), got null'],
  ['unknown top-level field', (c) => ({ ...c, rule: [] }), 'rule', 'rule: unknown field; did you mean "rules"?'],
  ['rules not an array', (c) => ({ ...c, rules: {} }), 'rules', 'rules: expected an array, got an object'],
  ['rule not an object', (c) => ({ ...c, rules: [42] }), 'rules[0]', 'rules[0]: expected a Call Routing Rule (an object), got number 42'],
  // bad regex (V8's message after ours)
  ['unterminated group', (c) => (c.rules[1]!['match_string'] = '(\\d{13}', c), 'rules[1](name="untrusted").match_string', 'rules[1](name="untrusted").match_string: invalid regular expression: Unterminated group'],
  ['bad quantifier', (c) => (c.rules[0]!['match_string'] = '\\d{13,1}', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: numbers out of order in {} quantifier'],
  ['nothing to repeat', (c) => (c.rules[0]!['match_string'] = '*1', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: Nothing to repeat'],
  ['a ) that would balance the anchoring wrapper', (c) => (c.rules[0]!['match_string'] = 'a)(?:b', c), 'rules[0](name="trusted").match_string', "rules[0](name=\"trusted\").match_string: invalid regular expression: Unmatched ')'"],
  ['JS named group syntax', (c) => (c.rules[0]!['match_string'] = '(?<id>\\d{13})', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: (?<name>...) is not Python syntax: use (?P<name>...) for a named group'],
  ['Python bad escape', (c) => (c.rules[0]!['match_string'] = '\\q', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: bad escape \\q'],
  ['scoped flags', (c) => (c.rules[0]!['match_string'] = '(?i:abc)', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: scoped inline flags (?i:...) are not supported'],
  ['late global flags', (c) => (c.rules[0]!['match_string'] = 'a(?i)b', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: global flags not at the start of the expression'],
  ['duplicate group name', (c) => (c.rules[0]!['match_string'] = '(?P<a>1)(?P<a>2)', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: invalid regular expression: Duplicate capture group name'],
  // replace_string
  ['reference past the groups', (c) => (c.rules[1]!['replace_string'] = '\\3', c), 'rules[1](name="untrusted").replace_string', 'rules[1](name="untrusted").replace_string: invalid replacement: invalid group reference 3 (the match string has 2 groups)'],
  ['unknown group name', (c) => (c.rules[1]!['replace_string'] = '\\g<id>', c), 'rules[1](name="untrusted").replace_string', 'rules[1](name="untrusted").replace_string: invalid replacement: unknown group name "id"'],
  ['octal escape', (c) => (c.rules[1]!['replace_string'] = '\\0', c), 'rules[1](name="untrusted").replace_string', 'rules[1](name="untrusted").replace_string: invalid replacement: octal escape \\0 is not supported (use \\g<0> for the whole match)'],
  ['trailing backslash', (c) => (c.rules[1]!['replace_string'] = '\\1\\', c), 'rules[1](name="untrusted").replace_string', 'rules[1](name="untrusted").replace_string: invalid replacement: bad escape (end of template)'],
  // token references
  ['unknown token name', (c) => (c.rules[1]!['gms_access_token'] = 'example.com (untrustd)', c), 'rules[1](name="untrusted").gms_access_token', 'rules[1](name="untrusted").gms_access_token: unknown Google Meet access token "example.com (untrustd)" (known tokens: "example.com (trusted)", "example.com (untrusted)"); did you mean "example.com (untrusted)"?'],
  ['token with none configured', (c) => ({ ...c, gms_access_tokens: [], virtual_receptions: [] }), 'rules[0](name="trusted").gms_access_token', 'rules[0](name="trusted").gms_access_token: unknown Google Meet access token "example.com (trusted)" (no tokens are configured)'],
  ['gms_conference without token', (c) => (delete c.rules[0]!['gms_access_token'], c), 'rules[0](name="trusted").gms_access_token', 'rules[0](name="trusted").gms_access_token: is required when called_device_type is "gms_conference"'],
  ['VR unknown token', (c) => (c.virtual_receptions[0]!['gms_access_token'] = 'nope', c), 'virtual_receptions[0](name="reception").gms_access_token', 'virtual_receptions[0](name="reception").gms_access_token: unknown Google Meet access token "nope" (known tokens: "example.com (trusted)", "example.com (untrusted)")'],
  // duplicates
  ['duplicate priority', (c) => (c.rules[1]!['priority'] = 10, c), 'rules[1](name="untrusted").priority', 'rules[1](name="untrusted").priority: duplicate priority 10 (also used by rules[0](name="trusted"))'],
  ['duplicate rule name', (c) => (c.rules[1]!['name'] = 'trusted', c), 'rules[1](name="trusted").name', 'rules[1](name="trusted").name: duplicate rule name "trusted" (also used by rules[0](name="trusted"))'],
  ['duplicate token name', (c) => (c.gms_access_tokens.push({ name: 'example.com (trusted)', token: 'x' }), c), 'gms_access_tokens[2](name="example.com (trusted)").name', 'gms_access_tokens[2](name="example.com (trusted)").name: duplicate token name "example.com (trusted)" (also used by gms_access_tokens[0](name="example.com (trusted)"))'],
  ['duplicate VR alias (parsed form)', (c) => (c.virtual_receptions.push({ name: 'r2', alias: 'sip:MEET@vc.example.com;transport=tls' }), c), 'virtual_receptions[1](name="r2").alias', 'virtual_receptions[1](name="r2").alias: duplicate alias "sip:MEET@vc.example.com;transport=tls" (also used by virtual_receptions[0](name="reception"))'],
  // out of range
  ['priority 0', (c) => (c.rules[0]!['priority'] = 0, c), 'rules[0](name="trusted").priority', 'rules[0](name="trusted").priority: 0 is out of range: expected an integer from 1 to 200'],
  ['priority 201', (c) => (c.rules[0]!['priority'] = 201, c), 'rules[0](name="trusted").priority', 'rules[0](name="trusted").priority: 201 is out of range: expected an integer from 1 to 200'],
  ['priority fractional', (c) => (c.rules[0]!['priority'] = 10.5, c), 'rules[0](name="trusted").priority', 'rules[0](name="trusted").priority: expected an integer from 1 to 200, got number 10.5'],
  ['callrate too low', (c) => (c.rules[0]!['max_callrate_in'] = 64, c), 'rules[0](name="trusted").max_callrate_in', 'rules[0](name="trusted").max_callrate_in: 64 is out of range: expected an integer from 128 to 8192 or null'],
  ['callrate as string', (c) => (c.rules[0]!['max_callrate_out'] = '2048', c), 'rules[0](name="trusted").max_callrate_out', 'rules[0](name="trusted").max_callrate_out: expected an integer from 128 to 8192 or null, got string "2048"'],
  ['match_string too long', (c) => (c.rules[0]!['match_string'] = LONG, c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: is 251 characters long; at most 250 are allowed'],
  ['replace_string too long', (c) => (c.rules[0]!['replace_string'] = LONG, c), 'rules[0](name="trusted").replace_string', 'rules[0](name="trusted").replace_string: is 251 characters long; at most 250 are allowed'],
  ['token name too long', (c) => (c.gms_access_tokens[0] = { name: 'n'.repeat(33), token: 't' }, c), 'gms_access_tokens[0](name="nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn").name', 'gms_access_tokens[0](name="nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn").name: is 33 characters long; at most 32 are allowed'],
  ['token secret too long', (c) => (c.gms_access_tokens[0] = { name: 'a', token: 't'.repeat(101) }, c), 'gms_access_tokens[0](name="a").token', 'gms_access_tokens[0](name="a").token: is 101 characters long; at most 100 are allowed'],
  // wrong types, missing fields
  ['enable as string', (c) => (c.rules[0]!['enable'] = 'yes', c), 'rules[0](name="trusted").enable', 'rules[0](name="trusted").enable: expected true or false, got string "yes"'],
  ['location as number', (c) => (c.rules[0]!['match_source_location'] = 1, c), 'rules[0](name="trusted").match_source_location', 'rules[0](name="trusted").match_source_location: expected a string or null, got number 1'],
  ['empty location', (c) => (c.rules[0]!['outgoing_location'] = ' ', c), 'rules[0](name="trusted").outgoing_location', 'rules[0](name="trusted").outgoing_location: must not be empty'],
  ['missing match_string', (c) => (delete c.rules[0]!['match_string'], c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: is required'],
  ['empty match_string', (c) => (c.rules[0]!['match_string'] = '', c), 'rules[0](name="trusted").match_string', 'rules[0](name="trusted").match_string: must not be empty'],
  ['missing name (no label)', (c) => (delete c.rules[0]!['name'], c), 'rules[0].name', 'rules[0].name: is required'],
  ['name not a string (no label)', (c) => (c.rules[0]!['name'] = 7, c), 'rules[0].name', 'rules[0].name: expected a string, got number 7'],
  ['missing priority', (c) => (delete c.rules[1]!['priority'], c), 'rules[1](name="untrusted").priority', 'rules[1](name="untrusted").priority: is required'],
  ['token secret missing', (c) => (c.gms_access_tokens[0] = { name: 'a' }, c), 'gms_access_tokens[0](name="a").token', 'gms_access_tokens[0](name="a").token: is required'],
  ['VR alias missing', (c) => (c.virtual_receptions[0] = { name: 'r' }, c), 'virtual_receptions[0](name="r").alias', 'virtual_receptions[0](name="r").alias: is required'],
  // enums
  ['called_device_type near miss', (c) => (c.rules[0]!['called_device_type'] = 'mssip_conference', c), 'rules[0](name="trusted").called_device_type', 'rules[0](name="trusted").called_device_type: expected one of "external", "registration", "mssip_conference_id", "mssip_server", "gms_conference", "teams_conference", got string "mssip_conference"; did you mean "mssip_conference_id"?'],
  ['called_device_type typo', (c) => (c.rules[0]!['called_device_type'] = 'gms_conferense', c), 'rules[0](name="trusted").called_device_type', 'rules[0](name="trusted").called_device_type: expected one of "external", "registration", "mssip_conference_id", "mssip_server", "gms_conference", "teams_conference", got string "gms_conferense"; did you mean "gms_conference"?'],
  ['call_type unknown', (c) => (c.rules[0]!['call_type'] = 'hd', c), 'rules[0](name="trusted").call_type', 'rules[0](name="trusted").call_type: expected one of "video", "audio", "auto", got string "hd"'],
  // unknown fields with suggestions
  ['misspelt field', (c) => (c.rules[1]!['match_strng'] = 'x', c), 'rules[1](name="untrusted").match_strng', 'rules[1](name="untrusted").match_strng: unknown field; did you mean "match_string"?'],
  ['camelCase field', (c) => (c.rules[1]!['treatAsTrusted'] = true, c), 'rules[1](name="untrusted").treatAsTrusted', 'rules[1](name="untrusted").treatAsTrusted: unknown field; did you mean "treat_as_trusted"?'],
  ['wrong field name for VR', (c) => (c.virtual_receptions[0]!['post_match'] = '', c), 'virtual_receptions[0](name="reception").post_match', 'virtual_receptions[0](name="reception").post_match: unknown field; did you mean "post_match_string"?'],
  ['unrelated field', (c) => (c.rules[0]!['colour'] = 'red', c), 'rules[0](name="trusted").colour', 'rules[0](name="trusted").colour: unknown field'],
  ['token field typo', (c) => (c.gms_access_tokens[0] = { name: 'a', tokn: 'x' }, c), 'gms_access_tokens[0](name="a").tokn', 'gms_access_tokens[0](name="a").tokn: unknown field; did you mean "token"?'],
  // VR regexes
  ['VR bad match_string', (c) => (c.virtual_receptions[0]!['match_string'] = '[0-9', c), 'virtual_receptions[0](name="reception").match_string', 'virtual_receptions[0](name="reception").match_string: invalid regular expression: unterminated character set at position 0'],
  ['VR post_match_string without groups', (c) => (c.virtual_receptions[0]!['post_match_string'] = '\\1', c), 'virtual_receptions[0](name="reception").post_match_string', 'virtual_receptions[0](name="reception").post_match_string: invalid replacement: invalid group reference 1 (the match string has 0 groups)'],
];

describe('validateRoutingConfig errors', () => {
  it.each(ERRORS)('%s', (_what, mutate, path, message) => {
    expect(errorOf(mutate(base()))).toEqual({ path, message });
  });
});

describe('validateRoutingConfig results', () => {
  it('applies Pexip defaults, sorts by priority, resolves tokens and freezes the result', () => {
    const input = base();
    input.rules.reverse();
    input.rules.push({ priority: 5, name: 'minimal', match_string: 'x' });
    const config = validateRoutingConfig(input);
    expect(config.rules.map((r) => [r.priority, r.name, r.index])).toEqual([
      [5, 'minimal', 2],
      [10, 'trusted', 1],
      [20, 'untrusted', 0],
    ]);
    const minimal = config.rules[0]!;
    const { priority: _p, name: _n, match_string: _m, index: _i, label, pattern, replacement, token, ...rest } = minimal;
    expect(rest).toEqual(RULE_DEFAULTS);
    expect(label).toBe('rules[2](name="minimal")');
    expect(pattern.regex.source).toBe('^(?:x)$');
    expect(pattern.regex.flags).toBe('i');
    expect(replacement).toBeNull();
    expect(token).toBeNull();
    expect(config.rules[1]!.token).toEqual(TOKENS[0]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rules)).toBe(true);
    expect(Object.isFrozen(minimal)).toBe(true);
    expect(Object.isFrozen(config.virtual_receptions[0])).toBe(true);
    expect(config.virtual_receptions[0]).toMatchObject({ aliasKey: 'meet@vc.example.com', match_string: '', post_match_string: '', pattern: null, postMatch: null });
  });

  it('accepts an empty document and null for nullable fields', () => {
    expect(validateRoutingConfig({})).toEqual({ gms_access_tokens: [], rules: [], virtual_receptions: [] });
    const c = base();
    Object.assign(c.rules[0]!, { match_source_location: null, outgoing_location: null, max_callrate_in: null });
    expect(validateRoutingConfig(c).rules[0]!.max_callrate_in).toBeNull();
  });

  it('does not keep references to the input objects', () => {
    const input = base();
    const config = validateRoutingConfig(input);
    input.rules[0]!['match_string'] = 'changed';
    expect(config.rules[0]!.match_string).toBe('(\\d{13})(@.*)?');
  });

  it('defaultRules() builds the typical pair of DOMAIN.md §3', () => {
    const rules = defaultRules({ trustedToken: 'example.com (trusted)', untrustedToken: 'example.com (untrusted)' });
    const config = validateRoutingConfig({ gms_access_tokens: TOKENS, rules });
    expect(config.rules.map((r) => [r.priority, r.match_incoming_only_if_registered, r.token?.name, r.match_string, r.replace_string, r.called_device_type])).toEqual([
      [10, true, 'example.com (trusted)', '(\\d{13})(@.*)?', '\\1', 'gms_conference'],
      [20, false, 'example.com (untrusted)', '(\\d{13})(@.*)?', '\\1', 'gms_conference'],
    ]);
    const custom = defaultRules({ trustedToken: 'a', untrustedToken: 'b', matchString: '(\\d{13})@vc\\.example\\.com' });
    expect(custom.map((r) => r.match_string)).toEqual(['(\\d{13})@vc\\.example\\.com', '(\\d{13})@vc\\.example\\.com']);
  });
});
