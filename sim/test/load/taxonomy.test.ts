import { describe, expect, it } from 'vitest';
import { classifyCall, rejectedOutcome, unexpectedResponse, type CallObservation, type Classification } from '../../src/load/taxonomy.ts';

const udp = { reliable: false, local: false };
const tcp = { reliable: true, local: false };

const cases: Array<[name: string, obs: CallObservation, expect: string, want: Classification]> = [
  ['2xx, held, BYE 200', { ...udp, status: 200, byeStatus: 200 }, 'CONNECTED', { outcome: 'CONNECTED' }],
  ['2xx, hold cut short by abort, BYE 200', { ...udp, status: 200, aborted: true, byeStatus: 200 }, 'CONNECTED', { outcome: 'CONNECTED' }],
  ['Timer B over UDP (local 408)', { reliable: false, local: true, status: 408 }, 'CONNECTED', { outcome: 'NO_RESPONSE', failure: 'retransmission_exhausted' }],
  ['Timer B over TCP (local 408)', { reliable: true, local: true, status: 408 }, 'CONNECTED', { outcome: 'NO_RESPONSE', failure: 'timeout' }],
  ['transport failure (local 503)', { reliable: true, local: true, status: 503 }, 'CONNECTED', { outcome: 'TRANSPORT_ERROR', failure: 'transport_error' }],
  ['a received 408 is a response, not a timeout', { ...udp, status: 408 }, 'CONNECTED', { outcome: 'REJECTED_408', failure: 'unexpected_response:408' }],
  ['a received 503 is a response, not a transport error', { ...tcp, status: 503 }, 'CONNECTED', { outcome: 'REJECTED_503', failure: 'unexpected_response:503' }],
  ['486 with no known outcome', { ...udp, status: 486 }, 'CONNECTED', { outcome: 'REJECTED_486', failure: 'unexpected_response:486' }],
  ['404 the node names, expected', { ...udp, status: 404, outcome: 'MEETING_NOT_FOUND' }, 'MEETING_NOT_FOUND', { outcome: 'MEETING_NOT_FOUND' }],
  ['404 the node names, other expected', { ...udp, status: 404, outcome: 'MEETING_ENDED' }, 'MEETING_NOT_FOUND', { outcome: 'MEETING_ENDED', failure: 'unexpected_response:404' }],
  ['REJECTED_<code> can be expected', { ...udp, status: 486 }, 'REJECTED_486', { outcome: 'REJECTED_486' }],
  ['2xx when a refusal was expected', { ...udp, status: 200, byeStatus: 200 }, 'VIDEO_LOCKED', { outcome: 'CONNECTED', failure: 'unexpected_response:200' }],
  ['remote BYE during the hold', { ...udp, status: 200, remoteBye: true, outcome: 'CONNECTED' }, 'CONNECTED', { outcome: 'CONNECTED', failure: 'unexpected_bye' }],
  ['remote BYE with a Reason naming the expected outcome', { ...udp, status: 200, remoteBye: true, outcome: 'KNOCK_DENIED' }, 'KNOCK_DENIED', { outcome: 'KNOCK_DENIED' }],
  ['remote BYE with a Reason naming another outcome', { ...udp, status: 200, remoteBye: true, outcome: 'KNOCK_TIMEOUT' }, 'KNOCK_DENIED', { outcome: 'KNOCK_TIMEOUT', failure: 'unexpected_bye' }],
  ['remote BYE with a Reason when CONNECTED was expected', { ...udp, status: 200, remoteBye: true, outcome: 'KNOCK_DENIED' }, 'CONNECTED', { outcome: 'KNOCK_DENIED', failure: 'unexpected_bye' }],
  ['BYE answered 481', { ...udp, status: 200, byeStatus: 481 }, 'CONNECTED', { outcome: 'CONNECTED', failure: 'bye_failed' }],
  ['BYE timed out (local 408)', { ...udp, status: 200, byeStatus: 408 }, 'CONNECTED', { outcome: 'CONNECTED', failure: 'bye_failed' }],
  ['DNS failure', { reliable: false, local: true, status: 0, dnsFailed: true }, 'CONNECTED', { outcome: 'DNS_FAILURE', failure: 'dns_failure' }],
  ['aborted before any response', { ...udp, status: 0, aborted: true }, 'CONNECTED', { outcome: 'ABORTED', failure: 'aborted' }],
  ['aborted: CANCEL answered, INVITE 487', { ...udp, status: 487, aborted: true }, 'CONNECTED', { outcome: 'ABORTED', failure: 'aborted' }],
  ['aborted but refused anyway (486 beat the CANCEL)', { ...udp, status: 486, aborted: true }, 'CONNECTED', { outcome: 'REJECTED_486', failure: 'unexpected_response:486' }],
  ['487 without our abort', { ...udp, status: 487, outcome: 'CANCELLED' }, 'CONNECTED', { outcome: 'CANCELLED', failure: 'unexpected_response:487' }],
  ['driver error', { ...udp, status: 0, error: true }, 'CONNECTED', { outcome: 'ERROR', failure: 'error' }],
  ['no status and no reason', { ...udp, status: 0 }, 'CONNECTED', { outcome: 'ERROR', failure: 'error' }],
];

describe('failure taxonomy', () => {
  it.each(cases)('%s', (_name, obs, expected, want) => {
    expect(classifyCall(obs, expected)).toEqual(want);
  });

  it('interns the per-code strings', () => {
    expect(unexpectedResponse(486)).toBe('unexpected_response:486');
    expect(unexpectedResponse(486)).toBe(unexpectedResponse(486));
    expect(rejectedOutcome(599)).toBe('REJECTED_599');
  });
});
