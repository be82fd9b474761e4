import { ProtocolClient } from '@madoguchi/protocol/client';
import type { RunningServer } from '../e2e/support/server.ts';

/** A real socket.io client of the server with this token, once connected (rejects on connect_error). */
export async function connectClient(server: RunningServer, token: string): Promise<ProtocolClient> {
  const client = ProtocolClient.connect(token, server.url);
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect', () => resolve());
    client.socket.once('connect_error', reject);
  });
  return client;
}
