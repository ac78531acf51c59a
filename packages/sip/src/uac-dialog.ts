import type { Clock } from '@gwsim/common';
import { isStaleChallenge } from './digest-auth.ts';
import { contactTarget, type Dialog, type DialogRequestOptions, type ReinviteOptions } from './dialog.ts';
import { SipRequest, type SipResponse } from './message.ts';
import { cloneRequest, createAckFor2xx, newBranch } from './message-factory.ts';
import { serializeMessage } from './serializer.ts';
import { targetOf } from './target-resolver.ts';
import type { TransportProtocol } from './transport.ts';
import { localResponse, sendNonInvite, type UacSendHost } from './uac-request.ts';

/** What the UAC core needs to send requests inside a dialog. */
export interface InDialogClientHost extends UacSendHost {
  readonly protocol: TransportProtocol;
  readonly clock: Clock;
  /** A request within the dialog (§12.2.1.1): Request-URI, Route, tags and the next local CSeq. */
  buildInDialog(dialog: Dialog, method: string, options: DialogRequestOptions): SipRequest;
  buildVia(branch: string): string;
  sendRaw(data: Buffer, to: { address: string; port: number }): Promise<void>;
  report(error: unknown, where: string): void;
}

/** §12.2.1.2: a 481 or 408 to a request inside a dialog ends the dialog. */
function endOnFailure(dialog: Dialog, method: string, res: SipResponse): void {
  if (method === 'BYE' || dialog.state === 'terminated') return;
  if (res.status === 481) dialog.terminate({ by: 'remote', cause: 'gone' });
  else if (res.status === 408) dialog.terminate({ by: 'local', cause: 'timeout' });
}

/**
 * Non-INVITE requests inside a dialog (BYE, INFO, OPTIONS, UPDATE, …): sent to the dialog's peer, retried
 * once with credentials after 401/407, UPDATE's offer/answer recorded on the dialog (RFC 3311).
 */
export async function sendInDialog(host: InDialogClientHost, dialog: Dialog, method: string, options: DialogRequestOptions = {}): Promise<SipResponse> {
  const req = host.buildInDialog(dialog, method, options);
  const offer = method === 'UPDATE' && req.body.length > 0;
  if (offer) dialog.pending.offer = 'local';
  const outcome = await sendNonInvite(host, req, [targetOf(dialog.peer, host.protocol)], { auth: dialog.auth, nextCSeq: () => ++dialog.localSeq });
  const res = outcome.response;
  if (offer && dialog.pending.offer === 'local') dialog.pending.offer = null;
  if (method === 'UPDATE' && res.status >= 200 && res.status < 300 && dialog.state !== 'terminated') {
    dialog.refreshTarget(contactTarget(res));
    if (offer) dialog.sessionChanged({ by: 'local', method: 'UPDATE', local: req.body, remote: res.body });
  }
  endOnFailure(dialog, method, res);
  return res;
}

/**
 * §14.1 re-INVITE: one INVITE client transaction in the dialog at a time; the 2xx is ACKed by the UAC core
 * (and re-ACKed on retransmission); a 491 is returned, or retried once after the RFC's random wait.
 */
export function sendReinvite(host: InDialogClientHost, dialog: Dialog, options: ReinviteOptions, glareRetried = false): Promise<SipResponse> {
  return new Promise<SipResponse>((resolve) => {
    const first = host.buildInDialog(dialog, 'INVITE', options);
    dialog.pending.invite = 'local';
    dialog.pending.offer = first.body.length ? 'local' : 'remote';
    let authTries = 0;
    const clear = () => {
      if (dialog.pending.invite === 'local') dialog.pending.invite = null;
      dialog.pending.offer = null;
    };
    const send = (req: SipRequest) => {
      let ackRaw: Buffer | null = null;
      let acking = false;
      host.sendRequest(req, dialog.peer, {
        onResponse: (res) => {
          if (res.status < 200) return;
          if (res.status < 300) {
            if (acking) {
              if (ackRaw) void host.sendRaw(ackRaw, dialog.peer).catch(() => {});
              return;
            }
            acking = true;
            dialog.refreshTarget(contactTarget(res));
            const needAnswer = req.body.length === 0 && res.body.length > 0;
            const answer = needAnswer ? Promise.resolve(options.answer ? options.answer(res) : { body: dialog.localBody }) : Promise.resolve<DialogRequestOptions>({});
            void answer
              .catch((err: unknown) => {
                host.report(err, 're-INVITE answer callback');
                return { body: dialog.localBody } as DialogRequestOptions;
              })
              .then((ackOptions) => {
                ackRaw = buildAck(host, dialog, req, res, ackOptions);
                void host.sendRaw(ackRaw, dialog.peer).catch(() => {});
                clear();
                const ackBody = typeof ackOptions.body === 'string' ? Buffer.from(ackOptions.body) : ackOptions.body;
                dialog.sessionChanged({ by: 'local', method: 'INVITE', local: needAnswer ? (ackBody ?? dialog.localBody) : req.body, remote: res.body.length ? res.body : dialog.remoteBody });
                resolve(res);
              });
            return;
          }
          if ((res.status === 401 || res.status === 407) && dialog.auth && authTries < 2 && (authTries === 0 || isStaleChallenge(res))) {
            const header = dialog.auth.authorize(req, res);
            if (header) {
              authTries++;
              send(cloneRequest(req, { cseq: ++dialog.localSeq, set: [header] }));
              return;
            }
          }
          clear();
          if (res.status === 491 && options.retryOnGlare && !glareRetried && dialog.state !== 'terminated') {
            // §14.1: the Call-ID owner waits 2.1–4 s, the other side 0–2 s (in units of 10 ms).
            const wait = dialog.role === 'uac' ? 2100 + 10 * Math.floor(Math.random() * 191) : 10 * Math.floor(Math.random() * 201);
            host.clock.setTimeout(() => {
              try {
                if (dialog.state === 'terminated' || dialog.pending.invite || dialog.pending.offer) return resolve(res);
                sendReinvite(host, dialog, options, true).then(resolve, () => resolve(res));
              } catch (err) {
                host.report(err, 're-INVITE glare retry timer');
                resolve(res);
              }
            }, wait);
            return;
          }
          endOnFailure(dialog, 'INVITE', res);
          resolve(res);
        },
        onFailure: (kind) => {
          clear();
          const res = localResponse(req, kind);
          endOnFailure(dialog, 'INVITE', res);
          resolve(res);
        },
      });
    };
    send(first);
  });
}

/** §13.2.2.4 ACK for a 2xx to a re-INVITE: new branch, the dialog's route set, CSeq number of the INVITE. */
function buildAck(host: InDialogClientHost, dialog: Dialog, invite: SipRequest, res: SipResponse, options: DialogRequestOptions): Buffer {
  return serializeMessage(createAckFor2xx({ via: host.buildVia(newBranch()), routeSet: dialog.routeSet, remoteTarget: dialog.remoteTarget, invite, response: res, headers: options.headers, body: options.body, contentType: options.contentType }));
}
