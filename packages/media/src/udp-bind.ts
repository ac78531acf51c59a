import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { GwsimError } from '@gwsim/common';

/** Bind a UDP socket on `address` (port 0: any free one); on failure the socket is closed and a GWSIM_ERR_TRANSPORT names `purpose`. */
export async function bindUdp(address: string, purpose: string, port = 0): Promise<dgram.Socket> {
  const socket = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw new GwsimError('GWSIM_ERR_TRANSPORT', `cannot bind ${purpose} on ${address}: ${(err as Error).message}`, { cause: err });
  }
  return socket;
}
