import { describe, expect, it } from 'vitest';
import { importPexipConfig, routeCall, validateRoutingConfig } from '../src/index.ts';

const TOKENS = {
  meta: { limit: 20, offset: 0, total_count: 2 },
  objects: [
    { id: 1, name: 'example.com (trusted)', token: 'trusted-secret-0123456789', resource_uri: '/api/admin/configuration/v1/gms_access_token/1/' },
    { id: 2, name: 'example.com (untrusted)', token: 'untrusted-secret-0123456789', resource_uri: '/api/admin/configuration/v1/gms_access_token/2/' },
  ],
};

const rule = (over: Record<string, unknown>) => ({
  id: 7, name: 'r', priority: 10, enable: true, description: null, match_incoming_calls: true, match_outgoing_calls: false,
  match_incoming_sip: true, match_incoming_h323: true, match_incoming_mssip: false, match_incoming_webrtc: true,
  match_incoming_only_if_registered: false, match_source_location: null, match_string: '(\\d{13})(@.*)?', match_string_full: false,
  replace_string: '\\1', called_device_type: 'gms_conference', outgoing_location: '/api/admin/configuration/v1/system_location/1/',
  gms_access_token: '/api/admin/configuration/v1/gms_access_token/2/', treat_as_trusted: false, call_type: 'video',
  max_callrate_in: null, max_callrate_out: 4096, crypto: 'besteffort', denoise_audio: true, ivr_theme: null, outgoing_protocol: 'sip',
  resource_uri: '/api/admin/configuration/v1/gateway_routing_rule/7/', ...over,
});

describe('importPexipConfig', () => {
  it('turns resource URIs into names, keeps modelled fields, reports the rest, and the result routes', () => {
    const { config, ignored } = importPexipConfig({
      gms_access_token: TOKENS,
      gateway_routing_rule: [rule({ priority: 20, name: 'untrusted' }), rule({ id: 8, priority: 10, name: 'trusted', match_incoming_only_if_registered: true, gms_access_token: '/api/admin/configuration/v1/gms_access_token/1/', treat_as_trusted: true })],
      system_location: { objects: [{ id: 1, name: 'London', resource_uri: '/api/admin/configuration/v1/system_location/1/' }] },
    });
    expect(config.rules![0]).toMatchObject({ name: 'untrusted', gms_access_token: 'example.com (untrusted)', outgoing_location: 'London', description: '', max_callrate_out: 4096 });
    expect(ignored).toEqual(['gateway_routing_rule[0].crypto', 'gateway_routing_rule[0].denoise_audio', 'gateway_routing_rule[0].ivr_theme', 'gateway_routing_rule[0].outgoing_protocol', 'gateway_routing_rule[1].crypto', 'gateway_routing_rule[1].denoise_audio', 'gateway_routing_rule[1].ivr_theme', 'gateway_routing_rule[1].outgoing_protocol']);
    const routing = validateRoutingConfig(config);
    const guest = routeCall(routing, { alias: 'sip:1234567890123@vc.example.com', protocol: 'sip', registered: false });
    const member = routeCall(routing, { alias: 'sip:1234567890123@vc.example.com', protocol: 'sip', registered: true });
    expect(guest.kind === 'gms' && guest.token.name).toBe('example.com (untrusted)');
    expect(member.kind === 'gms' && member.token.name).toBe('example.com (trusted)');
  });

  it('names the field of a broken reference', () => {
    expect(() => importPexipConfig({ gms_access_token: TOKENS, gateway_routing_rule: [rule({ gms_access_token: '/api/admin/configuration/v1/gms_access_token/9/' })] })).toThrow(
      'gateway_routing_rule[0].gms_access_token: refers to gms_access_token 9, which the export does not contain',
    );
    expect(() => importPexipConfig({ gateway_routing_rule: [rule({ outgoing_location: 'London' })] })).toThrow(/gateway_routing_rule\[0\]\.outgoing_location: expected a system_location resource URI/);
    expect(() => importPexipConfig({ gms_access_token: { meta: {} } })).toThrow(/gms_access_token: expected a Pexip list response/);
  });
});
