import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { sipZone, type SipZoneOptions } from '../src/index.ts';

describe('sipZone (DOMAIN.md §4)', () => {
  it('publishes _sip._udp, _sip._tcp and _sips._tcp SRV for every node, priority 10 weight 10, plus A records', () => {
    const zone = sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12', sipPort: 5070, sipsPort: 5071 }] });
    const srv = (name: string) => {
      const res = zone.lookup(name, 'SRV');
      return res.status === 'answer' ? res.records.map((r) => r.type === 'SRV' && `${r.priority} ${r.weight} ${r.port} ${r.target}`) : res.status;
    };
    expect(srv('_sip._udp.vc.example.com')).toEqual(['10 10 5060 px01.vc.example.com', '10 10 5070 px02.vc.example.com']);
    expect(srv('_sip._tcp.vc.example.com')).toEqual(['10 10 5060 px01.vc.example.com', '10 10 5070 px02.vc.example.com']);
    expect(srv('_sips._tcp.vc.example.com')).toEqual(['10 10 5061 px01.vc.example.com', '10 10 5071 px02.vc.example.com']);
    expect(zone.lookup('px02.vc.example.com', 'A')).toMatchObject({ status: 'answer', records: [{ address: '127.0.0.12' }] });
    expect(zone.soa.serial).toBe(1);
  });

  it('honours ttl, priority, weight, per-node overrides, full node names and IPv6 nodes', () => {
    const zone = sipZone({
      domain: 'VC.example.com.',
      ttl: 5,
      priority: 20,
      weight: 0,
      nodes: [{ name: 'px01.vc.example.com', address: '::1' }, { name: 'px02', address: '127.0.0.12', priority: 30, weight: 5 }],
    });
    expect(zone.origin).toBe('vc.example.com');
    expect(zone.lookup('px01.vc.example.com', 'AAAA')).toMatchObject({ status: 'answer', records: [{ address: '::1', ttl: 5 }] });
    const res = zone.lookup('_sip._udp.vc.example.com', 'SRV');
    expect(res).toMatchObject({ status: 'answer', records: [{ priority: 20, weight: 0, ttl: 5 }, { priority: 30, weight: 5 }] });
  });

  it.each<[string, Partial<SipZoneOptions>, string]>([
    ['a bad domain', { domain: 'vc..example.com' }, 'domain'],
    ['no nodes', { nodes: [] }, 'nodes'],
    ['a bad address', { nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.256' }] }, 'nodes[1].address'],
    ['a bad name', { nodes: [{ name: 'px 01', address: '127.0.0.11' }] }, 'nodes[0].name'],
    ['a duplicate node', { nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'PX01', address: '127.0.0.12' }] }, 'nodes[1].name'],
    ['port 0', { nodes: [{ name: 'px01', address: '127.0.0.11', sipPort: 0 }] }, 'nodes[0].sipPort'],
    ['port 65536', { nodes: [{ name: 'px01', address: '127.0.0.11', sipsPort: 65536 }] }, 'nodes[0].sipsPort'],
    ['a bad weight', { weight: -1 }, 'weight'],
    ['a bad ttl', { ttl: 1.5 }, 'ttl'],
  ])('rejects %s with a ConfigError at its path', (_what, override, path) => {
    const options: SipZoneOptions = { domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }], ...override };
    let error: unknown;
    try {
      sipZone(options);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
  });
});
