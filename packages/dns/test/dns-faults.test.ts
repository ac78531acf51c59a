import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { DNS_FAULT_KINDS, dnsFaultSchema, DnsFaults, parseFaults, sipZone } from '../src/index.ts';

const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12' }] });
const table = () => new DnsFaults(() => zone);

describe('parseFaults / dnsFaultSchema (the scenario format)', () => {
  it('accepts one example of every kind and returns frozen plain data', () => {
    const input = [
      { name: 'px01.vc.example.com', type: 'A', kind: 'nxdomain' },
      { name: 'px01.vc.example.com', kind: 'servfail', times: 2 },
      { name: '*.vc.example.com', type: 'SRV', kind: 'refused' },
      { id: 'px01-down', name: 'px01.vc.example.com', kind: 'timeout' },
      { name: '_sip._udp.vc.example.com', kind: 'delay', delayMs: 1500 },
      { name: '_sip._udp.vc.example.com', type: 'SRV', kind: 'wrong-target', target: 'px09.vc.example.com', port: 5090 },
      { name: 'px02.vc.example.com', type: 'A', kind: 'wrong-target', address: '192.0.2.99' },
      { name: '_sip._udp.vc.example.com', kind: 'stale-target' },
      { name: 'px01.vc.example.com', kind: 'ttl', ttl: 0 },
      { name: 'px01.vc.example.com', kind: 'every-nth', n: 3, otherwise: 'servfail' },
    ];
    const faults = parseFaults(input);
    expect(faults).toEqual(input);
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(DNS_FAULT_KINDS));
    expect(Object.isFrozen(faults) && Object.isFrozen(faults[0])).toBe(true);
    expect(JSON.parse(JSON.stringify(faults))).toEqual(input);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['not a list', { name: 'x' }, 'faults', /must be an array/],
    ['an unknown kind', [{ name: 'px01.vc.example.com', kind: 'flaky' }], 'faults[0].kind', /one of 'nxdomain', 'servfail', 'refused', 'timeout', 'delay', 'wrong-target', 'stale-target', 'ttl', 'every-nth'/],
    ['a missing kind', [{ name: 'px01.vc.example.com' }], 'faults[0].kind', /is required/],
    ['a missing name', [{ kind: 'timeout' }], 'faults[0].name', /is required/],
    ['a bad name', [{ kind: 'timeout', name: 'px 01' }], 'faults[0].name', /invalid label "px 01"/],
    ['an unknown type', [{ kind: 'timeout', name: 'x.vc.example.com', type: 'MX' }], 'faults[0].type', /one of 'A', 'AAAA', 'SRV', 'NAPTR', 'CNAME', 'TXT', 'SOA'/],
    ['delay without delayMs', [{ kind: 'delay', name: 'x.vc.example.com' }], 'faults[0].delayMs', /is required \(an integer from 1 to 600000\)/],
    ['a field of another kind', [{ kind: 'timeout', name: 'x.vc.example.com', delayMs: 5 }], 'faults[0].delayMs', /unknown field \(allowed fields: id, name, type, times\)/],
    ['wrong-target without a rewrite', [{ kind: 'wrong-target', name: 'x.vc.example.com' }], 'faults[0]', /needs at least one of target, address, port/],
    ['wrong-target with a bad address', [{ kind: 'wrong-target', name: 'x.vc.example.com', address: '300.1.1.1' }], 'faults[0].address', /not an IPv4 or IPv6 address/],
    ['every-nth with n = 0', [{ kind: 'every-nth', name: 'x.vc.example.com', n: 0 }], 'faults[0].n', /integer from 1 to 1000000/],
    ['a negative ttl', [{ kind: 'ttl', name: 'x.vc.example.com', ttl: -1 }], 'faults[0].ttl', /integer from 0 to 2147483647/],
  ])('rejects %s with a ConfigError naming the field path', (_what, input, path, message) => {
    const err = (() => {
      try {
        parseFaults(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ path, code: 'GWSIM_ERR_INVALID_CONFIG' });
    expect((err as Error).message).toMatch(message);
  });

  it('composes into a larger schema under any path', () => {
    expect(() => dnsFaultSchema.parse({ name: 'x.vc.example.com', kind: 'nope' }, 'topology.dns.faults[3]')).toThrow(/^topology\.dns\.faults\[3\]\.kind: /);
  });
});

describe('DnsFaults (the runtime table)', () => {
  it('set / get / list / clear return plain snapshots; ids are assigned, and an id given again replaces', () => {
    const t = table();
    const a = t.set({ name: 'px01.vc.example.com', type: 'A', kind: 'timeout' });
    expect(a).toEqual({ id: 'f1', name: 'px01.vc.example.com', type: 'A', kind: 'timeout', matched: 0, retired: false });
    t.set({ id: 'slow', name: '_sip._udp.vc.example.com', kind: 'delay', delayMs: 100 });
    t.set({ id: 'slow', name: '_sip._udp.vc.example.com', kind: 'delay', delayMs: 250 });
    expect(t.list().map((f) => [f.id, f.kind])).toEqual([['f1', 'timeout'], ['slow', 'delay']]);
    expect(t.get('slow')).toMatchObject({ delayMs: 250 });
    expect(t.get('nope')).toBeUndefined();
    expect(JSON.parse(JSON.stringify(t.list()))).toEqual(t.list());
    expect(t.clear({ name: 'PX01.vc.example.com.' }).map((f) => f.id)).toEqual(['f1']);
    expect(t.clear({ id: 'missing' })).toEqual([]);
    t.set({ name: 'px02.vc.example.com', kind: 'servfail' });
    expect(t.clear().map((f) => f.id)).toEqual(['slow', 'f2']);
    expect(t.size).toBe(0);
    expect(() => t.set({ name: 'px01.vc.example.com', kind: 'delay' })).toThrow(/^fault\.delayMs: is required/);
  });

  it('matches by exact name (case-insensitive) or "*." wildcard, and by type when one is given', () => {
    const t = table();
    t.set({ name: 'px01.vc.example.com', type: 'A', kind: 'nxdomain' });
    t.set({ name: '*.lab.vc.example.com', kind: 'refused' });
    expect(t.decide('PX01.VC.example.com.', 'A').rcode).toBe('nxdomain');
    expect(t.decide('px01.vc.example.com', 'AAAA').rcode).toBeUndefined();
    expect(t.decide('a.b.lab.vc.example.com', 'TXT').rcode).toBe('refused');
    expect(t.decide('lab.vc.example.com', 'A').rcode).toBeUndefined(); // the wildcard needs at least one more label
    expect(t.list().map((f) => f.matched)).toEqual([1, 1]);
  });

  it('applies every matching fault in order: delays add up, rewrites queue, timeout drops', () => {
    const t = table();
    t.set({ name: 'px01.vc.example.com', kind: 'delay', delayMs: 100 });
    t.set({ name: 'px01.vc.example.com', kind: 'ttl', ttl: 5 });
    t.set({ name: 'px01.vc.example.com', type: 'A', kind: 'wrong-target', address: '192.0.2.1' });
    t.set({ name: 'px01.vc.example.com', type: 'A', kind: 'delay', delayMs: 50 });
    expect(t.decide('px01.vc.example.com', 'A')).toEqual({
      drop: false, delayMs: 150, rewrites: [{ kind: 'ttl', ttl: 5 }, { kind: 'wrong-target', address: '192.0.2.1', target: undefined, port: undefined }],
    });
    t.set({ name: 'px01.vc.example.com', kind: 'timeout' });
    expect(t.decide('px01.vc.example.com', 'A').drop).toBe(true);
  });

  it('retires a fault after `times` matches', () => {
    const t = table();
    t.set({ name: 'px01.vc.example.com', kind: 'servfail', times: 2 });
    expect([1, 2, 3].map(() => t.decide('px01.vc.example.com', 'A').rcode)).toEqual(['servfail', 'servfail', undefined]);
    expect(t.list()[0]).toMatchObject({ matched: 2, retired: true });
  });

  it('every-nth answers queries n, 2n, … and drops (or answers `otherwise`) the rest', () => {
    const t = table();
    t.set({ name: 'px01.vc.example.com', kind: 'every-nth', n: 3 });
    expect(Array.from({ length: 7 }, () => t.decide('px01.vc.example.com', 'A').drop)).toEqual([true, true, false, true, true, false, true]);
    t.clear();
    t.set({ name: 'px01.vc.example.com', kind: 'every-nth', n: 2, otherwise: 'refused' });
    expect(Array.from({ length: 4 }, () => t.decide('px01.vc.example.com', 'A').rcode)).toEqual(['refused', undefined, 'refused', undefined]);
  });

  it('stale-target snapshots the zone when set; glue is rewritten for wrong-target and ttl and omitted otherwise', () => {
    const t = table();
    t.set({ name: '_sip._udp.vc.example.com', kind: 'stale-target' });
    const stale = t.decide('_sip._udp.vc.example.com', 'SRV').staleZone!;
    expect(stale).not.toBe(zone);
    expect(stale.records()).toEqual(zone.records());
    t.clear();
    expect(t.glue('px01.vc.example.com', 'A')).toBe('keep');
    t.set({ name: 'px01.vc.example.com', type: 'A', kind: 'ttl', ttl: 1 });
    expect(t.glue('px01.vc.example.com', 'A')).toEqual([{ kind: 'ttl', ttl: 1 }]);
    t.set({ name: 'px01.vc.example.com', kind: 'delay', delayMs: 10 });
    expect(t.glue('px01.vc.example.com', 'A')).toBe('omit');
    expect(t.glue('px02.vc.example.com', 'A')).toBe('keep');
    expect(t.list().map((f) => f.matched)).toEqual([0, 0]); // glue does not count as a query
  });
});
