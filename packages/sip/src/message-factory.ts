import { randomToken } from '@gwsim/common';
import { Headers } from './headers.ts';
import { reasonPhrase, SipRequest, SipResponse } from './message.ts';
import { BRANCH_COOKIE } from './via.ts';

export function newBranch(): string {
  return `${BRANCH_COOKIE}${randomToken(10)}`;
}

export function newTag(): string {
  return randomToken(6);
}

export function newCallId(host: string): string {
  return `${randomToken(12)}@${host}`;
}

export interface ResponseInit {
  status: number;
  reason?: string;
  /** To-tag to add when the request's To has none (ignored for 100 Trying, §8.2.6.2). */
  toTag?: string;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** RFC 3261 §8.2.6: a response that copies Via, From, To, Call-ID and CSeq from the request. */
export function createResponse(req: SipRequest, init: ResponseInit): SipResponse {
  const h = new Headers();
  for (const v of req.headers.getAll('Via')) h.append('Via', v);
  const from = req.headers.get('From');
  if (from !== undefined) h.append('From', from);
  let to = req.headers.get('To');
  if (to !== undefined && init.toTag && init.status > 100 && !/;\s*tag=/i.test(to)) to = `${to};tag=${init.toTag}`;
  if (to !== undefined) h.append('To', to);
  const callId = req.headers.get('Call-ID');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = req.headers.get('CSeq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  if (init.status > 100 && init.status < 300 && req.method === 'INVITE') {
    for (const rr of req.headers.getAll('Record-Route')) h.append('Record-Route', rr);
  }
  for (const [k, v] of init.headers ?? []) h.append(k, v);
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : (init.body ?? Buffer.alloc(0));
  if (body.length) h.set('Content-Type', init.contentType ?? 'application/sdp');
  return new SipResponse({ status: init.status, reason: init.reason ?? reasonPhrase(init.status), headers: h, body });
}

export interface RequestInit {
  method: string;
  uri: string;
  via: { transport: string; host: string; port: number; branch?: string };
  from: string;
  to: string;
  callId: string;
  cseq: number;
  contact?: string;
  route?: string[];
  maxForwards?: number;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** RFC 3261 §8.1.1: the mandatory header set of a UAC request, in the conventional order. */
export function createRequest(init: RequestInit): SipRequest {
  const h = new Headers();
  h.append('Via', `SIP/2.0/${init.via.transport.toUpperCase()} ${init.via.host}:${init.via.port};branch=${init.via.branch ?? newBranch()};rport`);
  for (const r of init.route ?? []) h.append('Route', r);
  h.append('Max-Forwards', String(init.maxForwards ?? 70));
  h.append('From', init.from);
  h.append('To', init.to);
  h.append('Call-ID', init.callId);
  h.append('CSeq', `${init.cseq} ${init.method}`);
  if (init.contact) h.append('Contact', init.contact);
  for (const [k, v] of init.headers ?? []) h.append(k, v);
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : (init.body ?? Buffer.alloc(0));
  if (body.length) h.set('Content-Type', init.contentType ?? 'application/sdp');
  return new SipRequest({ method: init.method, uri: init.uri, headers: h, body });
}
