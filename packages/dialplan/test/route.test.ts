import { describe, expect, it } from 'vitest';
import {
  defaultRules,
  NO_MATCH_REASON,
  routeCall,
  validateRoutingConfig,
  type CallRoutingRuleInput,
  type IncomingCall,
  type RouteDecision,
} from '../src/index.ts';

const TOKENS = [
  { name: 'trusted', token: 'secret-t' },
  { name: 'untrusted', token: 'secret-u' },
  { name: 'other', token: 'secret-o' },
];

function config(rules: CallRoutingRuleInput[], virtual_receptions: unknown[] = []) {
  return validateRoutingConfig({ gms_access_tokens: TOKENS, rules, virtual_receptions });
}

const meet = (priority: number, name: string, extra: Partial<CallRoutingRuleInput> = {}): CallRoutingRuleInput => ({
  priority,
  name,
  match_string: '(\\d{13})(@.*)?',
  replace_string: '\\1',
  called_device_type: 'gms_conference',
  gms_access_token: 'untrusted',
  ...extra,
});

const call = (alias: string, extra: Partial<IncomingCall> = {}): IncomingCall => ({ alias, protocol: 'sip', registered: false, ...extra });

/** A compact view of a decision for table assertions. */
function summary(d: RouteDecision): string {
  switch (d.kind) {
    case 'gms':
      return `gms ${d.rule.name} → ${d.destination} [${d.token.name}${d.treatAsTrusted ? ', trusted' : ''}${d.outgoingLocation ? `, via ${d.outgoingLocation}` : ''}]`;
    case 'unsupported':
      return `unsupported ${d.rule.name} (${d.rule.called_device_type}) → ${d.destination}`;
    case 'virtual_reception':
      return `vr ${d.reception.name}`;
    case 'no_match':
      return `no_match: ${d.reason}`;
  }
}

describe('routeCall with the default pair (DOMAIN.md §3)', () => {
  const cfg = config(defaultRules({ trustedToken: 'trusted', untrustedToken: 'untrusted' }));
  it.each([
    [call('sip:1234567890123@vc.example.com', { registered: true }), 'gms Google Meet (registered, trusted) → 1234567890123 [trusted, trusted]'],
    [call('sip:1234567890123@vc.example.com'), 'gms Google Meet (everyone, untrusted) → 1234567890123 [untrusted]'],
    [call('sip:1234567890123@127.0.0.11:5060;transport=udp'), 'gms Google Meet (everyone, untrusted) → 1234567890123 [untrusted]'],
    [call('1234567890123@10.1.1.1', { protocol: 'h323' }), 'gms Google Meet (everyone, untrusted) → 1234567890123 [untrusted]'],
    [call('1234567890123', { protocol: 'webrtc', registered: true }), 'gms Google Meet (registered, trusted) → 1234567890123 [trusted, trusted]'],
    [call('"Room" <sips:1234567890123@vc.example.com:5061;transport=tls>', { protocol: 'mssip' }), 'gms Google Meet (everyone, untrusted) → 1234567890123 [untrusted]'],
    [call('sip:123456789012@vc.example.com'), `no_match: ${NO_MATCH_REASON}`],
    [call('sip:12345678901234@vc.example.com'), `no_match: ${NO_MATCH_REASON}`],
    [call('sip:alice@vc.example.com'), `no_match: ${NO_MATCH_REASON}`],
    [call(''), `no_match: ${NO_MATCH_REASON}`],
  ])('%o → %s', (c, expected) => {
    expect(summary(routeCall(cfg, c))).toBe(expected);
  });
});

describe('routeCall rule selection', () => {
  it('checks rules in ascending priority whatever their order in the file', () => {
    const cfg = config([meet(30, 'thirty', { gms_access_token: 'other' }), meet(5, 'five'), meet(200, 'last')]);
    expect(summary(routeCall(cfg, call('1234567890123')))).toBe('gms five → 1234567890123 [untrusted]');
  });

  it('skips disabled rules and rules that do not match incoming calls', () => {
    const cfg = config([meet(1, 'off', { enable: false }), meet(2, 'outgoing only', { match_incoming_calls: false }), meet(3, 'on')]);
    expect(summary(routeCall(cfg, call('1234567890123')))).toBe('gms on → 1234567890123 [untrusted]');
  });

  it('applies the registered-only filter', () => {
    const cfg = config([meet(1, 'registered', { match_incoming_only_if_registered: true, gms_access_token: 'trusted' })]);
    expect(routeCall(cfg, call('1234567890123', { registered: false })).kind).toBe('no_match');
    expect(summary(routeCall(cfg, call('1234567890123', { registered: true })))).toBe('gms registered → 1234567890123 [trusted]');
  });

  it.each([
    ['sip', 'match_incoming_sip'],
    ['h323', 'match_incoming_h323'],
    ['mssip', 'match_incoming_mssip'],
    ['webrtc', 'match_incoming_webrtc'],
  ] as const)('filters protocol %s with %s', (protocol, field) => {
    const cfg = config([meet(1, 'without', { [field]: false }), meet(2, 'fallback', { gms_access_token: 'other' })]);
    expect(summary(routeCall(cfg, call('1234567890123', { protocol })))).toBe('gms fallback → 1234567890123 [other]');
    for (const p of ['sip', 'h323', 'mssip', 'webrtc'] as const) {
      if (p !== protocol) expect(summary(routeCall(cfg, call('1234567890123', { protocol: p })))).toBe('gms without → 1234567890123 [untrusted]');
    }
  });

  it('filters on source location; a call with no location never matches a located rule', () => {
    const cfg = config([meet(1, 'london', { match_source_location: 'london', outgoing_location: 'london-proxy' }), meet(2, 'anywhere')]);
    expect(summary(routeCall(cfg, call('1234567890123', { location: 'london' })))).toBe('gms london → 1234567890123 [untrusted, via london-proxy]');
    expect(summary(routeCall(cfg, call('1234567890123', { location: 'oslo' })))).toBe('gms anywhere → 1234567890123 [untrusted]');
    expect(summary(routeCall(cfg, call('1234567890123')))).toBe('gms anywhere → 1234567890123 [untrusted]');
  });

  it('matches the parsed alias by default and the raw alias with match_string_full', () => {
    const parsed = config([meet(1, 'parsed', { match_string: '(\\d{13})@vc\\.example\\.com' })]);
    const full = config([meet(1, 'full', { match_string: 'sip:(\\d{13})@vc\\.example\\.com;transport=tls', match_string_full: true })]);
    const alias = 'sip:1234567890123@vc.example.com;transport=tls';
    expect(summary(routeCall(parsed, call(alias)))).toBe('gms parsed → 1234567890123 [untrusted]');
    expect(summary(routeCall(full, call(alias)))).toBe('gms full → 1234567890123 [untrusted]');
    expect(routeCall(full, call('1234567890123@vc.example.com')).kind).toBe('no_match');
    expect(routeCall(parsed, call('sip:1234567890123@10.0.0.1')).kind).toBe('no_match'); // IP host dropped
  });

  it('matches case-insensitively (Pexip regexes are case-insensitive)', () => {
    const cfg = config([meet(1, 'upper', { match_string: 'MEET\\.(\\d+)@VC\\.EXAMPLE\\.COM' })]);
    expect(summary(routeCall(cfg, call('sip:meet.42@vc.example.com')))).toBe('gms upper → 42 [untrusted]');
  });

  it('requires the whole alias to match', () => {
    const cfg = config([meet(1, 'digits', { match_string: '\\d{13}', replace_string: '' })]);
    expect(routeCall(cfg, call('x1234567890123')).kind).toBe('no_match');
    expect(routeCall(cfg, call('1234567890123x')).kind).toBe('no_match');
    expect(summary(routeCall(cfg, call('1234567890123')))).toBe('gms digits → 1234567890123 [untrusted]');
  });

  it.each([
    ['', 'sip:1234567890123@vc.example.com;transport=tls', '1234567890123@vc.example.com'], // blank keeps the alias as matched
    ['\\1', '1234567890123@vc.example.com', '1234567890123'],
    ['\\2\\1', '1234567890123@vc.example.com', '@vc.example.com1234567890123'],
    ['\\g<id>', '1234567890123@vc.example.com', '1234567890123'],
    ['\\g<id>@meet.google.com', '1234567890123', '1234567890123@meet.google.com'],
    ['\\g<0>', '1234567890123@vc.example.com', '1234567890123@vc.example.com'],
    ['x\\2y', '1234567890123', 'xy'],
  ])('replace_string %s: %s → %s', (replace_string, alias, destination) => {
    const cfg = config([meet(1, 'r', { match_string: '(?P<id>\\d{13})(@.*)?', replace_string })]);
    expect(routeCall(cfg, call(alias))).toMatchObject({ kind: 'gms', destination });
  });

  it('supports named groups and back-references in match_string', () => {
    const cfg = config([meet(1, 'twice', { match_string: '(?P<d>\\d)(?P=d)(\\d{11})', replace_string: '\\g<d>\\g<d>\\2' })]);
    expect(routeCall(cfg, call('1112345678901'))).toMatchObject({ kind: 'gms', destination: '1112345678901' });
    expect(routeCall(cfg, call('1212345678901')).kind).toBe('no_match');
  });

  it('returns unsupported for a non-Meet call target that matches first', () => {
    const cfg = config([
      meet(1, 'registered devices', { called_device_type: 'registration', gms_access_token: null, match_string: '(.+)@registrar\\.example\\.com' }),
      meet(2, 'meet'),
    ]);
    expect(summary(routeCall(cfg, call('sip:alice@registrar.example.com')))).toBe('unsupported registered devices (registration) → alice');
    expect(summary(routeCall(cfg, call('1234567890123')))).toBe('gms meet → 1234567890123 [untrusted]');
  });

  it('gives Virtual Reception aliases precedence over rules (Pexip service precedence)', () => {
    const cfg = config([meet(1, 'catch-all', { match_string: '.*', replace_string: '' })], [{ name: 'IVR', alias: 'meet@vc.example.com' }]);
    expect(summary(routeCall(cfg, call('sip:MEET@vc.example.com;transport=tls')))).toBe('vr IVR');
    expect(summary(routeCall(cfg, call('sip:meet@other.example.com')))).toBe('gms catch-all → meet@other.example.com [untrusted]');
  });

  it('returns Pexip\'s no-match reason with the parsed alias', () => {
    const decision = routeCall(config([]), call('sip:1234567890123@vc.example.com'));
    expect(decision).toEqual({ kind: 'no_match', reason: 'Neither conference nor gateway found', alias: expect.objectContaining({ parsed: '1234567890123@vc.example.com' }) });
  });

  it('never matches an unknown protocol', () => {
    const cfg = config([meet(1, 'any')]);
    expect(routeCall(cfg, { alias: '1234567890123', protocol: 'xmpp' as never, registered: true }).kind).toBe('no_match');
  });
});
