import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Inviter, SessionState, UserAgent as SipJsUserAgent, type SessionDescriptionHandler } from 'sip.js';
import { WsTransport } from '../src/index.ts';
import { acceptingUas, captureTrace, SDP, until } from './support/transport-call.ts';

/**
 * sip.js 0.21.2 — an independent SIP implementation whose home transport is WebSocket — places calls to our
 * UAS over WS. Node 20 has no global WebSocket: sip.js's Web transport gets the `ws` client, bound to our
 * test block's loopback address. sip.js needs a SessionDescriptionHandler; a fixed-SDP fake is enough for a
 * signalling interop test (media is out of scope here).
 */
class BoundWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { localAddress: '127.0.21.70' });
  }
}
(globalThis as { WebSocket?: unknown }).WebSocket = BoundWebSocket;

const OFFER = SDP.replace(/127\.0\.21\.1/g, '127.0.21.70');

/** Answers sip.js got from us, as its SessionDescriptionHandler saw them. */
const answers: string[] = [];

function fixedSdh(): SessionDescriptionHandler {
  return {
    close: () => {},
    getDescription: async () => ({ body: OFFER, contentType: 'application/sdp' }),
    hasDescription: (contentType: string) => contentType === 'application/sdp',
    setDescription: async (sdp: string) => void answers.push(sdp),
    sendDtmf: () => false,
  };
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup() {
  const uasT = await WsTransport.create({ address: '127.0.21.71', port: 0 });
  const uas = acceptingUas(uasT);
  open.push(uas.ua);
  const sipjs = new SipJsUserAgent({
    uri: SipJsUserAgent.makeURI('sip:alice@example.com'),
    transportOptions: { server: `ws://127.0.21.71:${uasT.local.port}` },
    sessionDescriptionHandlerFactory: () => fixedSdh(),
    logBuiltinEnabled: false,
  });
  await sipjs.start();
  open.push({ close: () => sipjs.stop() });
  return { uasT, uas, sipjs };
}

function watch(inviter: Inviter) {
  const states: string[] = [];
  const reached = (state: SessionState) =>
    new Promise<void>((resolve) => {
      if (inviter.state === state) return resolve();
      inviter.stateChange.addListener((s) => s === state && resolve());
    });
  inviter.stateChange.addListener((s) => states.push(s));
  return { states, reached };
}

describe('interop: sip.js (WebSocket UA) calls our UAS over WS', () => {
  it('INVITE → 200 → ACK → BYE (from sip.js) → 200', async () => {
    const { uasT, uas, sipjs } = await setup();
    const trace = captureTrace();
    const inviter = new Inviter(sipjs, SipJsUserAgent.makeURI('sip:1234567890123@127.0.21.71')!);
    const w = watch(inviter);
    answers.length = 0;
    await inviter.invite();
    await w.reached(SessionState.Established);
    expect(answers).toEqual([SDP]);
    await until(() => uas.confirmed.length === 1); // our UAS got sip.js's ACK
    const byeStatus = await new Promise<number>((resolve) => {
      void inviter.bye({ requestDelegate: { onAccept: (r) => resolve(r.message.statusCode!), onReject: (r) => resolve(r.message.statusCode!) } });
    });
    await w.reached(SessionState.Terminated);
    await until(() => uas.ended.length === 1);
    trace.stop();
    expect(byeStatus).toBe(200);
    expect(uas.ended).toEqual(['remote:bye']);
    expect(w.states).toEqual(['Establishing', 'Established', 'Terminated']); // sip.js ends the session when it sends BYE
    expect(uasT.connectionCount).toBe(1);
    // sip.js's requests, as our transport received them, one SIP message per WebSocket message.
    const methods = trace.records.filter((r) => r.direction === 'in' && r.transport === 'ws').map((r) => r.raw.toString().split(' ')[0]);
    expect(methods).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(trace.records.find((r) => r.direction === 'in')!.raw.toString()).toMatch(/^Via: SIP\/2\.0\/WS \w+\.invalid;branch=/m);
  });

  it('our UAS hangs up: its BYE reaches sip.js over the WebSocket sip.js opened', async () => {
    const { uasT, uas, sipjs } = await setup();
    const inviter = new Inviter(sipjs, SipJsUserAgent.makeURI('sip:1234567890123@127.0.21.71')!);
    const w = watch(inviter);
    await inviter.invite();
    await w.reached(SessionState.Established);
    await until(() => uas.confirmed.length === 1);
    const bye = await uas.confirmed[0]!.bye();
    expect(bye.status).toBe(200);
    await w.reached(SessionState.Terminated);
    expect(uasT.connectionCount).toBe(1);
  });
});
