import { contactTarget, type Dialog, type DialogResponseSpec, type SessionAnswer } from './dialog.ts';
import { SipError } from './errors.ts';
import type { SipRequest } from './message.ts';
import { createResponse, type ResponseInit } from './message-factory.ts';
import { serializeMessage } from './serializer.ts';
import type { ServerTransaction } from './transaction-layer.ts';
import type { InviteServerTransaction } from './transactions/invite-server-transaction.ts';
import { ackKey, TwoXxRetransmitter, type AckWaiter, type RetransmitHost } from './uas-invite.ts';

/** What the UAS core needs to answer requests inside a dialog. */
export interface InDialogServerHost extends RetransmitHost {
  readonly contact: string;
  readonly serverHeader: string;
  /** Answer on a server transaction (adds Server; `toTag` is the dialog's). */
  respond(tx: ServerTransaction, req: SipRequest, status: number, init: Omit<ResponseInit, 'status'>): void;
  awaitAck(key: string, waiter: AckWaiter | null): void;
  /** Register (or remove) what a CANCEL of this INVITE transaction does (§9.2). */
  cancellable(tx: InviteServerTransaction, onCancel: (() => void) | null): void;
}

const EMPTY = Buffer.alloc(0);
const toBuffer = (b: Buffer | string | undefined) => (typeof b === 'string' ? Buffer.from(b) : (b ?? EMPTY));

/** §14.2: a second INVITE (or an offer while ours is unanswered) gets 500 with a random 0–10 s Retry-After. */
function retryLater(host: InDialogServerHost, tx: ServerTransaction, req: SipRequest, dialog: Dialog): void {
  host.respond(tx, req, 500, { reason: 'Request Pending On This Dialog', toTag: dialog.localTag, headers: [['Retry-After', String(Math.floor(Math.random() * 11))]] });
}

function failure(err: unknown, host: InDialogServerHost, where: string): { status: number; reason?: string } {
  if (err instanceof SipError) return { status: err.status, reason: err.reason };
  host.report(err, where);
  return { status: 500 };
}

/**
 * UAS core for a request inside an existing dialog (§12.2.2), after the CSeq check: BYE (§15.1.2),
 * re-INVITE (§14.2, glare → 491), UPDATE (RFC 3311) and the rest (INFO, OPTIONS, …) through the dialog's
 * delegate. ACK and CANCEL never come here.
 */
export function handleInDialog(host: InDialogServerHost, dialog: Dialog, req: SipRequest, tx: ServerTransaction): void {
  switch (req.method) {
    case 'BYE':
      host.respond(tx, req, 200, { toTag: dialog.localTag });
      dialog.receiveRequest(req);
      return;
    case 'INVITE':
      return onReinvite(host, dialog, req, tx as InviteServerTransaction);
    case 'UPDATE':
      return onUpdate(host, dialog, req, tx);
    default:
      return onOther(host, dialog, req, tx);
  }
}

function onReinvite(host: InDialogServerHost, dialog: Dialog, req: SipRequest, tx: InviteServerTransaction): void {
  if (dialog.pending.invite === 'local' || dialog.pending.offer === 'local') {
    host.respond(tx, req, 491, { toTag: dialog.localTag }); // glare
    return;
  }
  if (dialog.pending.invite === 'remote' || dialog.pending.offer === 'remote') return retryLater(host, tx, req, dialog);
  const hasOffer = req.body.length > 0;
  dialog.pending.invite = 'remote';
  dialog.pending.offer = hasOffer ? 'remote' : 'local';
  dialog.refreshTarget(contactTarget(req));
  let cancelled = false;
  const clear = () => {
    if (dialog.pending.invite === 'remote') dialog.pending.invite = null;
    dialog.pending.offer = null;
  };
  host.cancellable(tx, () => {
    cancelled = true;
    clear();
    host.respond(tx, req, 487, { toTag: dialog.localTag });
  });
  const delegate = dialog.delegate;
  Promise.resolve()
    .then(() => (delegate?.onOffer ? delegate.onOffer(req, dialog) : ({ body: dialog.localBody } as SessionAnswer)))
    .then(
      (answer) => {
        host.cancellable(tx, null);
        if (cancelled) return;
        if (dialog.state === 'terminated') {
          clear();
          host.respond(tx, req, 487, { toTag: dialog.localTag }); // §15.1.2: pending requests of an ended dialog
          return;
        }
        const body = toBuffer(answer.body);
        const res = createResponse(req, { status: 200, toTag: dialog.localTag, body, contentType: answer.contentType, headers: [['Contact', host.contact], ['Server', host.serverHeader], ...(answer.headers ?? [])] });
        const raw = serializeMessage(res);
        const key = ackKey(dialog.callId, dialog.remoteTag, req.cseq.seq);
        const retransmitter = new TwoXxRetransmitter(host, raw, tx.responseTo, () => {
          host.awaitAck(key, null);
          clear();
          // §13.3.1.4 applies to re-INVITEs too: no ACK means the session is gone.
          if (dialog.state !== 'terminated') {
            void dialog.bye([['Reason', 'SIP;cause=408;text="ACK not received"']]).catch(() => {});
          }
        });
        host.awaitAck(key, {
          receiveAck: (ack) => {
            retransmitter.stop();
            host.awaitAck(key, null);
            clear();
            dialog.sessionChanged({ by: 'remote', method: 'INVITE', local: body.length ? body : dialog.localBody, remote: hasOffer ? req.body : ack.body.length ? ack.body : dialog.remoteBody });
          },
        });
        tx.sendResponse(res, raw);
      },
      (err: unknown) => {
        host.cancellable(tx, null);
        clear();
        if (cancelled) return;
        const f = failure(err, host, 'dialog delegate onOffer (re-INVITE)');
        host.respond(tx, req, f.status >= 300 ? f.status : 500, { reason: f.reason, toTag: dialog.localTag });
      },
    );
}

function onUpdate(host: InDialogServerHost, dialog: Dialog, req: SipRequest, tx: ServerTransaction): void {
  const hasOffer = req.body.length > 0;
  if (hasOffer) {
    if (dialog.pending.offer === 'local') {
      host.respond(tx, req, 491, { toTag: dialog.localTag }); // RFC 3311 §5.2 glare
      return;
    }
    if (dialog.pending.offer === 'remote' || dialog.pending.invite === 'remote') return retryLater(host, tx, req, dialog);
  }
  dialog.refreshTarget(contactTarget(req));
  if (!hasOffer) {
    host.respond(tx, req, 200, { toTag: dialog.localTag, headers: [['Contact', host.contact]] });
    return;
  }
  dialog.pending.offer = 'remote';
  const delegate = dialog.delegate;
  Promise.resolve()
    .then(() => (delegate?.onOffer ? delegate.onOffer(req, dialog) : ({ body: dialog.localBody } as SessionAnswer)))
    .then(
      (answer) => {
        if (dialog.pending.offer === 'remote') dialog.pending.offer = null;
        const body = toBuffer(answer.body);
        host.respond(tx, req, 200, { toTag: dialog.localTag, body, contentType: answer.contentType, headers: [['Contact', host.contact], ...(answer.headers ?? [])] });
        dialog.sessionChanged({ by: 'remote', method: 'UPDATE', local: body.length ? body : dialog.localBody, remote: req.body });
      },
      (err: unknown) => {
        if (dialog.pending.offer === 'remote') dialog.pending.offer = null;
        const f = failure(err, host, 'dialog delegate onOffer (UPDATE)');
        host.respond(tx, req, f.status >= 300 ? f.status : 500, { reason: f.reason, toTag: dialog.localTag });
      },
    );
}

function onOther(host: InDialogServerHost, dialog: Dialog, req: SipRequest, tx: ServerTransaction): void {
  const handler = dialog.delegate?.onRequest;
  if (!handler) {
    host.respond(tx, req, 200, { toTag: dialog.localTag });
    dialog.receiveRequest(req);
    return;
  }
  Promise.resolve()
    .then(() => handler.call(dialog.delegate, req, dialog))
    .then(
      (spec: DialogResponseSpec | void) => {
        const s = spec ?? {};
        host.respond(tx, req, s.status ?? 200, { reason: s.reason, toTag: dialog.localTag, body: s.body, contentType: s.contentType, headers: s.headers });
        dialog.receiveRequest(req);
      },
      (err: unknown) => {
        const f = failure(err, host, `dialog delegate onRequest (${req.method})`);
        host.respond(tx, req, f.status, { reason: f.reason, toTag: dialog.localTag });
      },
    );
}
