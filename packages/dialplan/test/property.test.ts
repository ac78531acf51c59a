import { describe, expect, it } from 'vitest';
import { defaultRules, parseAlias, routeCall, validateRoutingConfig, type IncomingCall } from '../src/index.ts';
import { pick, prng, randomAlias } from './support/random.ts';

const config = validateRoutingConfig({
  gms_access_tokens: [{ name: 't', token: 'a' }, { name: 'u', token: 'b' }],
  rules: [
    ...defaultRules({ trustedToken: 't', untrustedToken: 'u' }),
    { priority: 30, name: 'named', match_string: '(?P<user>[^@]*)@(?P<host>.*)', replace_string: '\\g<host>/\\g<user>' },
    { priority: 40, name: 'full', match_string: '(sips?):(.*)', match_string_full: true, replace_string: '\\2\\1' },
    { priority: 50, name: 'anything', match_string: '.*', called_device_type: 'gms_conference', gms_access_token: 'u' },
  ],
  virtual_receptions: [{ name: 'IVR', alias: 'meet@vc.example.com' }],
});

describe('property: random aliases', () => {
  it('parseAlias and routeCall never throw, and parsed is consistent with the parts', () => {
    const rand = prng(0x5eed);
    for (let i = 0; i < 5000; i++) {
      const raw = randomAlias(rand);
      const alias = parseAlias(raw);
      expect(alias.raw).toBe(raw);
      expect(typeof alias.parsed).toBe('string');
      if (alias.user !== null && alias.host !== null && !alias.hostIsIp) expect(alias.parsed).toBe(`${alias.user}@${alias.host}`);
      if (alias.hostIsIp && alias.user !== null) expect(alias.parsed).toBe(alias.user);
      if (alias.port !== null) expect(alias.port).toBeLessThanOrEqual(65535);
      const c: IncomingCall = { alias: raw, protocol: pick(rand, ['sip', 'h323', 'mssip', 'webrtc'] as const), registered: rand() < 0.5 };
      const decision = routeCall(config, c);
      expect(['gms', 'virtual_reception', 'unsupported', 'no_match']).toContain(decision.kind);
    }
  });

  it('parsing is idempotent on the parsed form of scheme-less, parameter-free aliases', () => {
    const rand = prng(42);
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      const first = parseAlias(randomAlias(rand));
      // Only `user` or `user@host` forms made of plain characters; others reparse differently by design.
      if (!/^[^@;?<>"%:\s\\[\]]+(@[^@;?<>"%:\s\\[\]]+)?$/.test(first.parsed)) continue;
      if (first.user?.includes('@')) continue; // a %40-escaped '@' in the user part is decoded
      checked++;
      expect(parseAlias(first.parsed).parsed).toBe(first.parsed);
    }
    expect(checked).toBeGreaterThan(200);
  });
});
