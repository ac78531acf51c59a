import { sipTraceChannel, UdpTransport, UserAgent, type SipTraceRecord } from '@gwsim/sip';
import { afterEach, describe, expect, it } from 'vitest';
import { LadderRecorder, ladderArrows, ladderEntryFromTrace, renderLadderText } from '../../src/report/index.ts';
import { busySample } from './report-fixtures.ts';

const timers = { T1: 40, T2: 400, T4: 500 };
const open: Array<{ close(): unknown }> = [];
const recorders: LadderRecorder[] = [];
afterEach(async () => {
  for (const r of recorders.splice(0)) r.stop();
  while (open.length) await open.pop()!.close();
});

async function ua(address: string, extra: Partial<ConstructorParameters<typeof UserAgent>[0]> = {}): Promise<UserAgent> {
  const agent = new UserAgent({ transport: await UdpTransport.create({ address, port: 0 }), timers, ...extra });
  open.push(agent);
  return agent;
}

function recorder(options?: ConstructorParameters<typeof LadderRecorder>[0]): LadderRecorder {
  const r = new LadderRecorder(options);
  recorders.push(r);
  return r;
}

const addr = (u: UserAgent): string => `${u.transport.local.address}:${u.transport.local.port}`;

describe('LadderRecorder on real traffic', () => {
  it('subscribes only between start() and stop(), and records nothing before start()', async () => {
    const uas = await ua('127.0.45.2');
    const uac = await ua('127.0.45.1');
    const r = recorder();
    expect(sipTraceChannel.hasSubscribers).toBe(false);
    await uac.request({ method: 'OPTIONS', destination: uas.transport.local, uri: 'sip:127.0.45.2', from: 'sip:probe@example.com' });
    expect(r.callIds()).toEqual([]);
    r.start();
    r.start();
    expect(sipTraceChannel.hasSubscribers).toBe(true);
    expect(r.recording).toBe(true);
    r.stop();
    expect(sipTraceChannel.hasSubscribers).toBe(false);
    expect(r.dump()).toMatchObject({ recording: false, calls: 0, messages: 0 });
  });

  it('groups an OPTIONS exchange by Call-ID: sent and received at both ends, in order', async () => {
    const uas = await ua('127.0.45.4');
    const uac = await ua('127.0.45.3');
    const r = recorder().start();
    const response = await uac.request({ method: 'OPTIONS', destination: uas.transport.local, uri: 'sip:127.0.45.4', from: 'sip:probe@example.com' });
    r.stop();
    expect(response.status).toBe(200);
    const callId = response.headers.get('Call-ID')!;
    expect(r.callIds()).toEqual([callId]);
    const ladder = r.ladder(callId);
    expect(ladder.map((e) => [e.direction, e.local, e.remote, e.firstLine])).toEqual([
      ['out', addr(uac), addr(uas), 'OPTIONS sip:127.0.45.4 SIP/2.0'],
      ['in', addr(uas), addr(uac), 'OPTIONS sip:127.0.45.4 SIP/2.0'],
      ['out', addr(uas), addr(uac), 'SIP/2.0 200 OK'],
      ['in', addr(uac), addr(uas), 'SIP/2.0 200 OK'],
    ]);
    expect(ladder.every((e) => e.transport === 'udp' && e.raw.includes(`Call-ID: ${callId}`))).toBe(true);
    for (let i = 1; i < ladder.length; i++) expect(ladder[i]!.at).toBeGreaterThanOrEqual(ladder[i - 1]!.at);
    expect(Math.abs(ladder[0]!.at - Date.now())).toBeLessThan(10_000);
    expect(ladderArrows(ladder)).toHaveLength(2);
    expect(r.ladder('no-such-call')).toEqual([]);
  });

  it('records rejected INVITEs: SDP stays text, a binary body becomes [n bytes]; renders an ASCII ladder', async () => {
    const uas = await ua('127.0.45.6', { onInvite: (inv) => inv.reject(486, 'Busy Here') });
    const uac = await ua('127.0.45.5');
    const r = recorder().start();
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.45.5\r\ns=-\r\nc=IN IP4 127.0.45.5\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';
    const busy = await uac.invite({ destination: uas.transport.local, uri: 'sip:1000000000004@127.0.45.6', from: 'sip:room@example.com', body: sdp, contentType: 'application/sdp' }).result;
    // The UAS refuses a body it cannot read (415); the trace still holds the bytes the UAC sent.
    const binary = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x10, 0x20, 0x00]);
    const refused = await uac.invite({ destination: uas.transport.local, uri: 'sip:1000000000004@127.0.45.6', from: 'sip:room@example.com', body: binary, contentType: 'application/octet-stream' }).result;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the ACKs reach the UAS
    r.stop();
    expect([busy.status, refused.status]).toEqual([486, 415]);
    const [first, second] = r.callIds();
    const ladder = r.ladder(first!);
    const arrows = ladderArrows(ladder);
    expect(arrows.map((a) => [a.from, a.to, a.firstLine.split(' ')[0] === 'SIP/2.0' ? a.firstLine : a.firstLine.split(' ')[0]])).toEqual([
      [addr(uac), addr(uas), 'INVITE'],
      [addr(uas), addr(uac), 'SIP/2.0 486 Busy Here'],
      [addr(uac), addr(uas), 'ACK'],
    ]);
    expect(arrows.every((a) => a.receivedAt !== null && !a.retransmission)).toBe(true);
    expect(ladder[0]!.raw.endsWith(`\r\n\r\n${sdp}`)).toBe(true);
    const refusedLadder = r.ladder(second!);
    expect(refusedLadder[0]!.raw.endsWith('\r\n\r\n[7 bytes]')).toBe(true);
    expect(refusedLadder.some((e) => e.raw.includes('\u0000'))).toBe(false);
    expect(refusedLadder.map((e) => e.firstLine)).toContain('SIP/2.0 415 Unsupported Media Type');

    const text = renderLadderText(ladder);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toContain(addr(uac));
    expect(lines[0]!.indexOf(addr(uac))).toBeLessThan(lines[0]!.indexOf(addr(uas)));
    expect(lines).toHaveLength(2 + 3);
    expect(lines[2]).toMatch(/^\s*0\.0 ms\s+\|-+ INVITE sip:1000000000004@127\.0\.45\.6 SIP\/2\.0 -+>\|$/);
    expect(lines[3]).toMatch(/^\s*\d+\.\d ms\s+\|<-+ SIP\/2\.0 486 Busy Here -+\|$/);
    expect(lines[4]).toMatch(/\|-+ ACK sip:1000000000004@127\.0\.45\.6 SIP\/2\.0 -+>\|$/);
  });
});

function record(raw: string, direction: 'in' | 'out' = 'out', body?: Buffer): SipTraceRecord {
  return {
    time: Date.now(),
    direction,
    transport: 'udp',
    local: { address: '127.0.45.7', port: 5060 },
    remote: { address: '127.0.45.8', port: 5062 },
    raw: body ? Buffer.concat([Buffer.from(raw), body]) : Buffer.from(raw),
  };
}

const options = (callId: string, n: number, header = 'Call-ID'): string => `OPTIONS sip:x@127.0.45.8 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.45.7;branch=z9hG4bK${n}\r\n${header}: ${callId}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`;

describe('LadderRecorder bounds and parsing', () => {
  it('keeps at most maxCalls calls and maxMessagesPerCall messages, evicting the oldest, and counts what it dropped', () => {
    const r = recorder({ maxCalls: 2, maxMessagesPerCall: 3 }).start();
    for (let n = 1; n <= 5; n++) sipTraceChannel.publish(record(options('a', n)));
    sipTraceChannel.publish(record(options('b', 1)));
    sipTraceChannel.publish(record(options('c', 1, 'i')));
    sipTraceChannel.publish(record('OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n'));
    expect(r.callIds()).toEqual(['b', 'c']);
    expect(r.ladder('a')).toEqual([]);
    expect(r.dump()).toEqual({ recording: true, calls: 2, messages: 2, evictedCalls: 1, droppedMessages: 2, unparsed: 1 });
    r.clear();
    for (let n = 1; n <= 5; n++) sipTraceChannel.publish(record(options('a', n)));
    expect(r.ladder('a').map((e) => e.raw.match(/CSeq: (\d)/)![1])).toEqual(['3', '4', '5']);
  });

  it('finds the Call-ID in any spelling, never in the body, and keeps its own copy of the bytes', () => {
    const r = recorder().start();
    sipTraceChannel.publish(record(options('lower', 1, 'call-id')));
    sipTraceChannel.publish(record(options('spaced', 1, 'CALL-ID  ')));
    const bodyOnly = 'MESSAGE sip:x SIP/2.0\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n\r\nhello\r\nCall-ID: in-body\r\n';
    sipTraceChannel.publish(record(bodyOnly));
    const reused = record(options('reused', 1));
    sipTraceChannel.publish(reused);
    reused.raw.fill(0x41);
    expect(r.callIds()).toEqual(['lower', 'spaced', 'reused']);
    expect(r.dump().unparsed).toBe(1);
    expect(r.ladder('reused')[0]!.firstLine).toBe('OPTIONS sip:x@127.0.45.8 SIP/2.0');
  });

  it('records only what the filter accepts', () => {
    const r = recorder({ filter: (rec) => rec.direction === 'in' }).start();
    sipTraceChannel.publish(record(options('f', 1), 'out'));
    sipTraceChannel.publish(record(options('f', 1), 'in'));
    expect(r.ladder('f').map((e) => e.direction)).toEqual(['in']);
  });

  it('reads compact headers and judges bodies by Content-Type and bytes', () => {
    const head = (ct: string, len: number): string => `MESSAGE sip:x SIP/2.0\r\ni: cid-1\r\n${ct}l: ${len}\r\n\r\n`;
    const textBody = Buffer.from('héllo <b>');
    const cases: Array<[string, Buffer, string]> = [
      ['c: text/plain;charset=utf-8\r\n', textBody, 'héllo <b>'],
      ['Content-Type: application/pidf+xml\r\n', textBody, 'héllo <b>'],
      ['Content-Type: application/octet-stream\r\n', textBody, '[10 bytes]'],
      ['', textBody, '[10 bytes]'],
      ['c: text/plain\r\n', Buffer.from([0x68, 0x00, 0x69]), '[3 bytes]'],
      ['c: application/sdp\r\n', Buffer.from([0xc3, 0x28]), '[2 bytes]'],
    ];
    for (const [ct, body, want] of cases) {
      const { callId, entry } = ladderEntryFromTrace(record(head(ct, body.length), 'in', body));
      expect(callId).toBe('cid-1');
      expect(entry.raw.slice(entry.raw.indexOf('\r\n\r\n') + 4)).toBe(want);
      expect(entry).toMatchObject({ direction: 'in', local: '127.0.45.7:5060', remote: '127.0.45.8:5062', firstLine: 'MESSAGE sip:x SIP/2.0' });
    }
    const v6 = ladderEntryFromTrace({ ...record(options('v6', 1)), local: { address: '::1', port: 5060 } });
    expect(v6.entry.local).toBe('[::1]:5060');
  });
});

describe('renderLadderText', () => {
  it('draws a message traced at both ends once, with times relative to the first', () => {
    const text = renderLadderText(busySample().ladder);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 4);
    expect(lines[0]!.trim()).toMatch(/^127\.0\.45\.101:5060\s+127\.0\.45\.11:5060$/);
    expect(lines[1]!.trim()).toMatch(/^\|\s+\|$/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['0.0 ms', '1.5 ms', '14.2 ms', '14.9 ms']);
    expect(lines[2]).toContain('INVITE sip:1000000000004@vc.example.com SIP/2.0 -');
    expect(lines[4]).toMatch(/\|<-+ SIP\/2\.0 486 Meeting is full -+\|/);
  });

  it('marks retransmissions and handles an empty ladder', () => {
    const [invite] = busySample().ladder;
    const text = renderLadderText([invite!, { ...invite!, at: invite!.at + 500 }]);
    expect(text.trimEnd().split('\n')[3]).toContain('(retransmission) INVITE');
    expect(renderLadderText([])).toBe('(no SIP messages recorded)\n');
  });
});
