import { isStaleChallenge, type DigestClient } from './digest-auth.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { cloneRequest, createResponse } from './message-factory.ts';
import { isFailover, type SendAttempt, type SipTarget } from './target-resolver.ts';
import type { ClientTransactionUser } from './transactions/invite-client-transaction.ts';
import type { TransportAddress } from './transport.ts';

/** What the UAC core needs to send one request. */
export interface UacSendHost {
  /** Start a client transaction; transport failures come back through `user.onFailure`, never as throws. */
  sendRequest(request: SipRequest, destination: TransportAddress, user: ClientTransactionUser): void;
  /** Whether there is a transport for the target (targets we cannot reach are skipped). */
  canSend(target: SipTarget): boolean;
}

export interface UacOutcome {
  /** The final response (synthesized 408/503 when `local`). */
  response: SipResponse;
  local: boolean;
  /** Every target tried, in order (auth retries included). */
  attempts: SendAttempt[];
  /** The request as last sent (its CSeq and credentials may differ from the first). */
  request: SipRequest;
}

export interface UacSendOptions {
  /** Answers 401/407 (once, or again when the nonce was stale). */
  auth?: DigestClient | null;
  /** The CSeq for a retry with credentials (§22.2: the retry is a new request with a higher CSeq). */
  nextCSeq?: () => number;
  onProvisional?(response: SipResponse): void;
}

/** A response the UAC core makes up (§8.1.3.1): 408 after Timer F/B, 503 after a transport failure. */
export function localResponse(request: SipRequest, kind: 'timeout' | 'transport' | 'no-target', detail?: string): SipResponse {
  if (kind === 'timeout') return createResponse(request, { status: 408, reason: 'Request Timeout' });
  return createResponse(request, { status: 503, reason: detail ? `Service Unavailable (${detail})` : 'Service Unavailable' });
}

/**
 * Send a non-INVITE request (§8.1.2): walk `targets` on timeout, transport error or 503 (RFC 3263 §4.3),
 * retry with digest credentials after 401/407 (§22.2). Never rejects.
 */
export function sendNonInvite(host: UacSendHost, request: SipRequest, targets: readonly SipTarget[], options: UacSendOptions = {}): Promise<UacOutcome> {
  return new Promise((resolve) => {
    const usable = targets.filter((t) => host.canSend(t));
    const attempts: SendAttempt[] = [];
    if (!usable.length) {
      resolve({ response: localResponse(request, 'no-target', targets.length ? 'no transport for any target' : 'no target'), local: true, attempts, request });
      return;
    }
    let req = request;
    let index = 0;
    let authTries = 0;
    const attempt = () => {
      const target = usable[index]!;
      let done = false;
      const finish = (res: SipResponse, local: boolean) => {
        if (done) return;
        done = true;
        attempts.push({ target, status: res.status, reason: res.reason, local });
        if ((res.status === 401 || res.status === 407) && options.auth && authTries < 2 && (authTries === 0 || isStaleChallenge(res))) {
          const header = options.auth.authorize(req, res);
          if (header) {
            authTries++;
            req = cloneRequest(req, { cseq: options.nextCSeq?.() ?? req.cseq.seq + 1, set: [header] });
            attempt();
            return;
          }
        }
        if (isFailover(res.status, local) && index + 1 < usable.length) {
          index++;
          // A new transaction with a higher CSeq: if two targets are one server, it must not see a merged request (§8.2.2.2).
          req = cloneRequest(req, { cseq: options.nextCSeq?.() ?? req.cseq.seq + 1 });
          attempt();
          return;
        }
        resolve({ response: res, local, attempts, request: req });
      };
      host.sendRequest(req, { address: target.address, port: target.port }, {
        onResponse: (res) => {
          if (res.status < 200) options.onProvisional?.(res);
          else finish(res, false);
        },
        onFailure: (kind) => finish(localResponse(req, kind), true),
      });
    };
    attempt();
  });
}
