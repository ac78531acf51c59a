import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OUTCOMES } from '@gwsim/node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, EXPLAINED_OUTCOMES, explainCall, formatProgress, loadPlan, parseScenario, ProgressReporter, relocateScenarioText, ScenarioError, scenarioTenants, tokenTenant } from '../src/index.ts';

/** The scenario format's newer parts (seed, load, thresholds, tokens, host actions, endpoints), no network. */
const base = readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8');

function error(text: string): ScenarioError {
  try {
    parseScenario(text, 's.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario format', () => {
  it('the default scenario parses into a load plan the generator accepts, with the seed', () => {
    const s = parseScenario(base, 'default.yaml').scenario;
    expect(s.seed).toBe(1);
    const plan = loadPlan(s.load!, 7);
    expect(plan).toMatchObject({ seed: 7, workers: 1, drainMs: 10_000, stages: [{ kind: 'constant', rate: 3, durationMs: 15_000 }], hold: { kind: 'uniform', minMs: 500, maxMs: 1500 } });
    expect(plan.mix.map((m) => m.expect)).toEqual(expect.arrayContaining(['CONNECTED', 'MEETING_NOT_FOUND', 'NO_MATCH', 'VIDEO_LOCKED', 'MEETING_ENDED', 'MEETING_FULL', 'KNOCK_DENIED', 'KNOCK_TIMEOUT', 'NOBODY_TO_ADMIT']));
    expect(s.thresholds!.map((t) => t.expression)).toEqual(['expectations_failed == 0', 'success_rate >= 95%', 'setup_p95 < 2s']);
    expect(s.thresholds![2]!.threshold).toMatchObject({ metric: 'setup_p95', op: '<', value: 2000 });
  });

  it('a bad stage, distribution or threshold names its field and line', () => {
    const stage = error(base.replace('{ kind: constant, rate: 3, durationMs: 15000 }', '{ kind: burst, rate: 3, durationMs: 15000 }'));
    expect(stage.path).toBe('load.stages[0].kind');
    expect(stage.message).toContain("must be one of 'constant', 'ramp', 'poisson'");
    expect(stage.line).toBe(base.split('\n').findIndex((l) => l.includes('kind: constant, rate: 3')) + 1);
    const hold = error(base.replace('hold: { kind: uniform, minMs: 500, maxMs: 1500 }', 'hold: { kind: uniform, minMs: 500 }'));
    expect(hold.message).toMatch(/load\.hold\.maxMs: is required/);
    const rate = error(base.replace('rate: 3, durationMs', 'rate: 0, durationMs'));
    expect(rate.message).toMatch(/load\.stages\[0\]: starts no calls/);
    const op = error(base.replace('"setup_p95 < 2s"', '"setup_p95 = 2s"'));
    expect(op.path).toBe('thresholds[2]');
    expect(op.message).toContain('expected an operator (<, <=, >, >=, ==, !=), got "=" (use ==)');
    const unit = error(base.replace('"setup_p95 < 2s"', '"setup_p95 < 2%"'));
    expect(unit.message).toContain('unit "%" is not allowed for setup_p95; use ms, s, or no unit (ms)');
    const workers = error(base.replace('  maxConcurrent: 40\n', '  maxConcurrent: 40\n  workers: 4\n'));
    expect(workers.path).toBe('load.workers');
  });

  it('tokens can be revoked or unknown (not both); host actions name a meeting and say what to do', () => {
    const t = parseScenario(base.replace('{ name: "example.com (trusted)", trusted: true }', '{ name: "example.com (trusted)", trusted: true, revoked: true }'), 's.yaml').scenario;
    expect(t.topology.tokens[0]).toMatchObject({ revoked: true, unknown: false, spec: { name: 'example.com (trusted)', trusted: true } });
    expect(error(base.replace('trusted: true }', 'trusted: true, revoked: true, unknown: true }')).path).toBe('topology.tokens[0].unknown');
    expect(error(base.replace('expect: CONNECTED, holdMs: 2000 }', 'expect: CONNECTED, holdMs: 2000, hostAction: { meeting: nope, afterMs: 10, videoLock: true } }')).message).toMatch(/calls\[0\]\.hostAction\.meeting: no meeting labelled "nope"/);
    expect(error(base.replace('expect: CONNECTED, holdMs: 2000 }', 'expect: CONNECTED, holdMs: 2000, hostAction: { meeting: open, afterMs: 10 } }')).message).toMatch(/calls\[0\]\.hostAction: says nothing to do/);
  });

  it('endpoints take transport udp/tcp/tls (vtc) or persona sipjs (WebSocket, needs a ws/wss node)', () => {
    const tcp = parseScenario(base.replace('displayName: Guest Room }', 'displayName: Guest Room, transport: tcp }'), 's.yaml').scenario;
    expect(tcp.endpoints[1]!.transport).toBe('tcp');
    expect(error(base.replace('displayName: Guest Room }', 'displayName: Guest Room, transport: sctp }')).message).toContain("must be one of 'udp', 'tcp', 'tls'");
    expect(parseScenario(base.replace('displayName: Guest Room }', 'displayName: Guest Room, persona: sipjs }'), 's.yaml').scenario.endpoints[1]!.persona).toBe('sipjs');
    expect(error(base.replace('displayName: Guest Room }', 'displayName: Guest Room, persona: sipjs, transport: tcp }')).path).toBe('endpoints[1].transport');
    expect(error(base.replace(/, wsPort: 8080/g, '').replace('displayName: Guest Room }', 'displayName: Guest Room, persona: sipjs }')).message).toMatch(/endpoints\[1\]\.persona: the sipjs persona speaks SIP over WebSocket: give a node wsPort or wssPort/);
  });

  it('nodes can bridge media; endpoints measure media (audio pcmu/opus, video, content); bad values name the field, the line and what is allowed', () => {
    const s = parseScenario(
      base.replace('wsPort: 8080, location: primary }', 'wsPort: 8080, location: primary, bridge: true }').replace('displayName: Guest Room }', 'displayName: Guest Room, media: { audio: opus, video: true, content: true } }').replace('register: true }', 'register: true, media: {} }'),
      's.yaml',
    ).scenario;
    expect(s.topology.nodes.map((n) => n.bridge)).toEqual([true, undefined, undefined, undefined]);
    expect(s.endpoints.map((e) => e.media)).toEqual([{}, { audio: 'opus', video: true, content: true }]);
    const line = (needle: string) => base.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const codec = error(base.replace('displayName: Guest Room }', 'displayName: Guest Room, media: { audio: g722 } }'));
    expect([codec.path, codec.line]).toEqual(['endpoints[1].media.audio', line('displayName: Guest Room')]);
    expect(codec.message).toContain("must be one of 'pcmu', 'opus'");
    expect(error(base.replace('displayName: Guest Room }', 'displayName: Guest Room, media: { video: 1 } }')).path).toBe('endpoints[1].media.video');
    const unknown = error(base.replace('displayName: Guest Room }', 'displayName: Guest Room, media: { slides: true } }'));
    expect(unknown.message).toContain('unknown field (allowed fields: audio, video, content)');
    const bridge = error(base.replace('wsPort: 8080, location: primary }', 'wsPort: 8080, location: primary, bridge: yes }'));
    expect([bridge.path, bridge.line]).toEqual(['topology.nodes[0].bridge', line('name: px01')]);
  });

  it('nodes take tlsPort/wssPort, a Meet URL and a Meet timeout', () => {
    const s = parseScenario(base.replace('wsPort: 8080, location: primary }', 'wsPort: 8080, tlsPort: 5061, wssPort: 8443, meetUrl: "http://127.0.0.21:9", meetTimeoutMs: 500, location: primary }'), 's.yaml').scenario;
    expect(s.topology.nodes[0]).toMatchObject({ tlsPort: 5061, wssPort: 8443, meetUrl: 'http://127.0.0.21:9', meetTimeoutMs: 500 });
    expect(error(base.replace('wsPort: 8080, location: primary }', 'wsPort: 8080, meetUrl: "http://meet.example.com", location: primary }')).path).toBe('topology.nodes[0].meetUrl');
  });

  it('the default scenario has a single call for every outcome of DOMAIN.md §5, the mid-call BYEs included', () => {
    const s = parseScenario(base, 'default.yaml').scenario;
    const calls = s.calls!;
    // The rows of §5: no rule, token, interop off, scope, meeting unknown, ended, video lock, full, knock
    // denied, knock timeout / nobody to admit, node capacity, Meet unreachable; and a connected call.
    const rows = ['CONNECTED', 'NO_MATCH', 'TOKEN_INVALID', 'INTEROP_DISABLED', 'OUT_OF_SCOPE', 'MEETING_NOT_FOUND', 'MEETING_ENDED', 'VIDEO_LOCKED', 'MEETING_FULL', 'KNOCK_DENIED', 'KNOCK_TIMEOUT', 'NOBODY_TO_ADMIT', 'NODE_CAPACITY', 'MEET_UNAVAILABLE'];
    expect(new Set(calls.map((c) => c.expect))).toEqual(new Set(rows));
    expect(rows.filter((o) => o in OUTCOMES || o === 'CONNECTED')).toEqual(rows);
    expect(calls.filter((c) => c.hostAction).map((c) => [c.name, c.expect, c.hostAction])).toEqual([
      ['video-locked-mid-call', 'VIDEO_LOCKED', { meeting: 'locks-mid-call', afterMs: 1000, videoLock: true }],
      ['meeting-ended-mid-call', 'MEETING_ENDED', { meeting: 'ends-mid-call', afterMs: 1000, endMeeting: true }],
    ]);
    // The load mix draws from every outcome but the mid-call ones (a host action changes its meeting for good).
    expect(new Set(s.load!.mix.map((m) => m.expect))).toEqual(new Set(rows));
    expect(s.topology.nodes.map((n) => [n.name, n.srv])).toEqual([['px01', undefined], ['px02', undefined], ['px03', false], ['px04', false]]);
  });

  it('tenants: one (tenant) or several (tenants, the first is home); tokens name theirs; organizers are users of a declared tenant', () => {
    const s = parseScenario(base, 'default.yaml').scenario;
    expect(scenarioTenants(s).map((t) => t.domain)).toEqual(['example.com', 'example.org']);
    expect(s.topology.tokens.map((t) => tokenTenant(s, t))).toEqual(['example.com', 'example.com', 'example.com', 'example.org']);
    const scenario = (tenancy: string, rest = '') => [
      'name: t',
      'topology:',
      '  dns: { address: 127.0.0.53, port: 5353, domain: vc.example.com }',
      '  meet: { address: 127.0.0.20, port: 8443 }',
      '  nodes: [{ name: px01, address: 127.0.0.11 }]',
      tenancy,
      '  tokens: [{ name: a, trusted: true }]',
      '  meetings: [{ label: m, organizer: host@example.com }]',
      rest,
      'endpoints: []',
      '',
    ].join('\n');
    const one = '  tenant: { domain: example.com, users: [{ email: host@example.com }] }';
    const two = '  tenants: [{ domain: example.com, users: [{ email: host@example.com }] }, { domain: example.org }]';
    const single = parseScenario(scenario(one), 's.yaml').scenario;
    expect([scenarioTenants(single).map((t) => t.domain), tokenTenant(single, single.topology.tokens[0]!)]).toEqual([['example.com'], 'example.com']);
    expect(scenarioTenants(parseScenario(scenario(two), 's.yaml').scenario).map((t) => t.domain)).toEqual(['example.com', 'example.org']);
    const both = error(scenario(`${one}
${two}`));
    expect([both.path, both.message]).toEqual(['topology.tenants', expect.stringContaining('give either tenant (one) or tenants (a list), not both')]);
    expect(error(scenario('')).path).toBe('topology.tenant');
    expect(error(scenario('  tenants: []')).message).toContain('topology.tenants: needs at least one tenant');
    expect(error(scenario('  tenants: [{ domain: example.com, users: [{ email: host@example.com }] }, { domain: Example.com }]')).path).toBe('topology.tenants[1].domain');
    const token = error(scenario(two).replace('{ name: a, trusted: true }', '{ name: a, trusted: true, tenant: example.net }'));
    expect([token.path, token.message]).toEqual(['topology.tokens[0].tenant', expect.stringContaining('no tenant "example.net" (tenants: example.com, example.org)')]);
    expect(error(scenario(one).replace('organizer: host@example.com', 'organizer: host@example.net')).message).toContain('topology.meetings[0].organizer: host@example.net is not in a declared tenant\'s domain');
    expect(error(scenario(one).replace('organizer: host@example.com', 'organizer: boss@example.com')).message).toContain("boss@example.com is not one of its tenant's users");
    const unlisted = error(scenario(one).replace('address: 127.0.0.11 }', 'address: 127.0.0.11, srv: false }'));
    expect([unlisted.path, unlisted.message]).toEqual(['topology.nodes', expect.stringContaining('every node has srv: false')]);
  });

  it('relocation moves every 127.0.0.x (dial strings and gateway IP too) and nothing else', () => {
    const moved = relocateScenarioText(base, '127.0.48', 100);
    expect(moved).not.toMatch(/127\.0\.0\./);
    expect(moved).toContain('address: 127.0.48.111,');
    expect(moved).toContain('"{meeting:open}@127.0.48.111"');
    expect(moved).toContain('gatewayIp: 127.0.48.111');
    expect(() => relocateScenarioText(base, '127.0.48', 200)).toThrow(/not a host address/);
  });
});

describe('explanations', () => {
  it('every outcome of the node table has a cause and a remedy', () => {
    expect([...EXPLAINED_OUTCOMES].sort()).toEqual(Object.keys(OUTCOMES).sort());
  });

  it('says the status, the Reason header and why; notes an unexpected outcome first', () => {
    const refused = explainCall({ outcome: 'VIDEO_LOCKED', expect: 'CONNECTED', status: 403, reason: 'Host has turned off video for participants', reasonHeader: 'SIP;cause=403;text="Host has turned off video for participants"' });
    expect(refused).toBe(
      "Expected CONNECTED, got VIDEO_LOCKED. The node refused the call with 403 Forbidden (Reason: SIP;cause=403;text=\"Host has turned off video for participants\") because the meeting host has 'Turn on their video' switched off: VTCs cannot join a meeting while the host has turned off video for participants. The host must switch 'Turn on their video' back on (Host management) before the VTC dials.",
    );
    const bye = explainCall({ outcome: 'KNOCK_TIMEOUT', expect: 'KNOCK_TIMEOUT', status: 200, reason: 'OK', byeReason: 'SIP;cause=408;text="Nobody admitted the caller in time"', media: ['lobby'] });
    expect(bye).toMatch(/^The node answered the call \(200 OK\) and put the caller in the lobby \(waiting splash\), then ended it with BYE \(Reason: SIP;cause=408;text="Nobody admitted the caller in time"\) because .*knock timeout/);
    expect(explainCall({ outcome: 'NO_RESPONSE', status: 408, reason: 'Request Timeout', failure: 'retransmission_exhausted' })).toMatch(/^No node answered the INVITE.*after all UDP retransmissions/);
    expect(explainCall({ outcome: 'REJECTED_500', status: 500, reason: 'Oops' })).toContain('not an answer in gwsim\'s outcome table');
  });
});

describe('progress', () => {
  const p = { elapsedMs: 6200, rate: 2.96, attempted: 18, active: 3, succeeded: 15, failed: 0, outcomes: { CONNECTED: 9, MEETING_NOT_FOUND: 4, VIDEO_LOCKED: 2 }, setupP95: 23.94 };

  it('formats one line: time, rate, active, results, p95, outcomes by count', () => {
    expect(formatProgress(p)).toBe('load 6 s | 3.0 calls/s | active 3 | ok 15 failed 0 | setup p95 23.9 ms | CONNECTED 9, MEETING_NOT_FOUND 4, VIDEO_LOCKED 2');
  });

  it('on a terminal redraws one line in place; otherwise prints a plain line at most every 5 s', () => {
    let tty = '';
    const live = new ProgressReporter({ tty: true, columns: 200, write: (s) => (tty += s) });
    live.load(p);
    live.load({ ...p, elapsedMs: 7200 });
    live.line('done');
    expect(tty).toBe(`\r\x1b[2K${formatProgress(p)}\r\x1b[2K${formatProgress({ ...p, elapsedMs: 7200 })}\ndone\n`);
    let now = 0;
    const lines: string[] = [];
    const plain = new ProgressReporter({ tty: false, write: (s) => lines.push(s), now: () => now });
    for (now = 0; now <= 11_000; now += 1000) plain.load({ ...p, elapsedMs: now });
    expect(lines).toHaveLength(3); // at 0, 5 and 10 s
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r') && !l.includes('\x1b'))).toBe(true);
    let narrow = '';
    new ProgressReporter({ tty: true, columns: 40, write: (s) => (narrow += s) }).load(p);
    expect(narrow).toBe(`\r\x1b[2K${formatProgress(p).slice(0, 38)}…`);
  });
});
