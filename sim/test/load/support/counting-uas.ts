import { UdpTransport, UserAgent, type IncomingInvite } from '@gwsim/sip';

/**
 * Our UAS on a real UDP socket that records which calls reached it (Call-IDs) and from which source ports
 * (one per load worker's socket), then answers each INVITE with `answer`. Close `ua` when done.
 */
export async function countingUas(address: string, answer: (invite: IncomingInvite) => void): Promise<{ ua: UserAgent; seen: Set<string>; sources: Set<number> }> {
  const seen = new Set<string>();
  const sources = new Set<number>();
  const ua = new UserAgent({
    transport: await UdpTransport.create({ address, port: 0 }),
    onInvite: (invite) => {
      seen.add(invite.request.callId);
      sources.add(invite.source.port);
      answer(invite);
    },
  });
  return { ua, seen, sources };
}
