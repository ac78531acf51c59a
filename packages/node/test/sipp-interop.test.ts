import { spawn } from 'node:child_process';
import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { MeetServer } from '@gwsim/meet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConferencingNode } from '../src/index.ts';

/**
 * Interop with an independent SIP implementation: SIPp (Debian sip-tester) runs its built-in `uac`
 * scenario — INVITE with SDP, optional 100/180, 200, ACK, pause, BYE, 200 — against the node, which joins a
 * real Meet mock over HTTP. SIPp exits 0 only when every call completed.
 */
describe('SIPp uac → Conferencing Node', () => {
  let meet: MeetServer;
  let node: ConferencingNode;

  beforeAll(async () => {
    meet = await MeetServer.start({ address: '127.0.18.20', port: 0, adminKey: 'sipp-admin-key' });
    meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
    // Capacity well above the calls in flight: this test is about SIP interop, not meeting capacity.
    meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '3000000000001', capacity: 100_000 });
    const secret = (trusted: boolean) => meet.service.createToken('example.com', { name: trusted ? 't' : 'u', trusted }).secret;
    const routing = validateRoutingConfig({
      gms_access_tokens: [{ name: 't', token: secret(true) }, { name: 'u', token: secret(false) }],
      // Everyone gets the trusted token: SIPp cannot REGISTER first, and a trusted join has no lobby wait, so
      // every call reaches the meeting before SIPp's BYE whatever the machine's load.
      rules: defaultRules({ trustedToken: 't', untrustedToken: 't' }),
    });
    node = await ConferencingNode.start({ name: 'px01', address: '127.0.18.11', routing, meetUrl: meet.url, logger: silentLogger });
  });
  afterAll(async () => {
    await node?.close();
    await meet?.close();
  });

  it('completes 1,000 calls at 100 calls/s (INVITE → 200 → ACK → BYE → 200) dialled as <id>@<node IP>, zero failures', { timeout: 60_000 }, async () => {
    const args = ['-sn', 'uac', '-s', '3000000000001', `127.0.18.11:${node.sipAddress.port}`, '-i', '127.0.18.101', '-p', '15060', '-m', '1000', '-r', '100', '-l', '200', '-d', '200', '-timeout', '45s', '-timeout_error', '-nostdin', '-nd'];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const p = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      p.stdout.on('data', (d: Buffer) => (output += d.toString()));
      p.stderr.on('data', (d: Buffer) => (output += d.toString()));
      p.on('error', (err) => reject(new Error(`cannot run sipp (Debian package sip-tester): ${err.message}`)));
      p.on('close', (c) => resolve({ code: c, output }));
    });
    const states: Record<string, number> = {};
    for (const c of node.calls()) states[`${c.state}/${c.outcome}`] = (states[`${c.state}/${c.outcome}`] ?? 0) + 1;
    expect(code, `${JSON.stringify(states)}\n${output.slice(-1500)}`).toBe(0);
    const ended = node.calls().filter((c) => c.state === 'ended');
    expect(ended).toHaveLength(1000);
    expect(ended.filter((c) => !(c.outcome === 'CONNECTED' && c.endedBy === 'caller' && c.token === 't')).map((c) => [c.outcome, c.endedBy, c.token])).toEqual([]);
    expect(output).toMatch(/Successful call\s+\|\s+\d+\s+\|\s+1000\b/);
    expect(meet.service.getMeeting('3000000000001').participants.filter((p) => p.kind === 'gateway' && p.state === 'joined')).toHaveLength(0);
  });
});
