import { describe, expect, it } from 'vitest';
import {
  collectDigits,
  resolveEntry,
  routeCall,
  startVirtualReception,
  stepVirtualReception,
  validateRoutingConfig,
  defaultRules,
  type VrInput,
  type VrRules,
  type VrState,
} from '../src/index.ts';

function reception(match_string = '', post_match_string = ''): VrRules {
  const config = validateRoutingConfig({ virtual_receptions: [{ name: 'IVR', alias: 'meet', match_string, post_match_string }] });
  return config.virtual_receptions[0]!;
}

const open = reception();
const meetIds = reception('(\\d{13})', 'meet.\\1');

function run(vr: VrRules, inputs: (string | VrInput)[], options = {}): VrState {
  let state = startVirtualReception(options);
  for (const input of inputs) state = stepVirtualReception(vr, state, typeof input === 'string' ? { type: 'dtmf', key: input } : input);
  return state;
}

describe('Virtual Reception digit collection', () => {
  it.each([
    ['# ends entry', open, '1234567890123#', { phase: 'done', alias: '1234567890123', entered: '1234567890123', attempts: 0 }],
    ['* clears the entry', open, '999*1234567890123#', { phase: 'done', alias: '1234567890123' }],
    ['# on an empty entry is ignored', open, '#', { phase: 'collecting', digits: '', notice: 'empty', attempts: 0 }],
    ['A–D keys are ignored', open, '12A3#', { phase: 'done', alias: '123' }],
    ['digits accumulate', open, '4711', { phase: 'collecting', digits: '4711', notice: 'digit' }],
    ['maxDigits submits automatically', open, '12345678901234567890', { phase: 'done', alias: '12345678901234567890' }],
    ['match + post_match transform', meetIds, '1234567890123#', { phase: 'done', alias: 'meet.1234567890123', entered: '1234567890123' }],
    ['an entry that does not match is rejected and counted', meetIds, '123#', { phase: 'collecting', digits: '', attempts: 1, entered: '123', notice: 'invalid' }],
    ['third rejection fails', meetIds, '1#2#3#', { phase: 'failed', attempts: 3, notice: 'too_many_attempts' }],
    ['retry after a rejection succeeds', meetIds, '1#1234567890123#', { phase: 'done', attempts: 1, alias: 'meet.1234567890123' }],
    ['input after done is ignored', open, '12#34#*', { phase: 'done', alias: '12' }],
  ] as [string, VrRules, string, Partial<VrState>][])('%s', (_what, vr, keys, expected) => {
    expect(collectDigits(vr, keys)).toMatchObject(expected);
  });

  it('submits on timeout; a timeout with nothing entered counts as a failed attempt', () => {
    expect(run(open, ['1', '2', { type: 'timeout' }])).toMatchObject({ phase: 'done', alias: '12' });
    expect(run(open, [{ type: 'timeout' }])).toMatchObject({ phase: 'collecting', attempts: 1, notice: 'empty' });
    expect(run(open, [{ type: 'timeout' }, { type: 'timeout' }], { maxAttempts: 2 })).toMatchObject({ phase: 'failed', attempts: 2 });
  });

  it('honours maxDigits for a 13-digit Meet ID', () => {
    expect(collectDigits(meetIds, '1234567890123', { maxDigits: 13 })).toMatchObject({ phase: 'done', alias: 'meet.1234567890123' });
  });

  it('is pure: states are frozen and never mutated', () => {
    const s0 = startVirtualReception();
    const s1 = stepVirtualReception(open, s0, { type: 'dtmf', key: '1' });
    expect(s0.digits).toBe('');
    expect(s1.digits).toBe('1');
    expect(Object.isFrozen(s1)).toBe(true);
    const done = collectDigits(open, '1#');
    expect(stepVirtualReception(open, done, { type: 'dtmf', key: '2' })).toBe(done);
  });

  it('rejects nonsensical options', () => {
    expect(() => startVirtualReception({ maxDigits: 0 })).toThrow('maxDigits must be a positive integer, got 0');
    expect(() => startVirtualReception({ maxAttempts: 1.5 })).toThrow('maxAttempts must be a positive integer, got 1.5');
  });

  it('resolveEntry applies post_match_string to the whole entry when there is no match_string', () => {
    expect(resolveEntry(reception('', '\\g<0>@vc.example.com'), '42')).toBe('42@vc.example.com');
    expect(resolveEntry(open, '42')).toBe('42');
    expect(resolveEntry(meetIds, '42')).toBeNull();
  });

  it('the entered alias is routed again as a new incoming alias', () => {
    const config = validateRoutingConfig({
      gms_access_tokens: [{ name: 't', token: 's' }, { name: 'u', token: 's2' }],
      rules: defaultRules({ trustedToken: 't', untrustedToken: 'u' }),
      virtual_receptions: [{ name: 'IVR', alias: 'meet@vc.example.com', match_string: '\\d{13}' }],
    });
    const first = routeCall(config, { alias: 'sip:meet@vc.example.com', protocol: 'sip', registered: false });
    expect(first.kind).toBe('virtual_reception');
    if (first.kind !== 'virtual_reception') return;
    const entry = collectDigits(first.reception, '1234567890123#');
    const second = routeCall(config, { alias: entry.alias!, protocol: 'sip', registered: false });
    expect(second).toMatchObject({ kind: 'gms', destination: '1234567890123', token: { name: 'u' } });
  });
});
