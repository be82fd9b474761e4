import WebSocket from 'ws';
import type { RunningServer } from '../e2e/support/server.ts';

export interface ServerInspector {
  /** The server's heap in use after a full garbage collection. */
  heapUsed(): Promise<number>;
  evaluate(expression: string): Promise<unknown>;
  close(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server's own view of its memory, through the inspector: SIGUSR1 opens it on the port given by
 * --inspect-port (start the server with NODE_OPTIONS='--inspect-port=127.0.0.1:0'); nothing listens
 * before this is called. The inspector costs memory of its own, in every reading after it opens.
 */
export async function inspect(server: RunningServer): Promise<ServerInspector> {
  const before = server.output().length;
  process.kill(server.pid(), 'SIGUSR1');
  let address: string | undefined;
  for (let i = 0; i < 50 && !address; i += 1) {
    address = /Debugger listening on (ws:\/\/\S+)/.exec(server.output().slice(before))?.[1];
    await sleep(100);
  }
  if (!address) throw new Error('the server did not open its inspector');
  const socket = new WebSocket(address);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<{ result?: { result?: { value?: unknown } } }>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number };
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        resolve(message as never);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  return {
    async evaluate(expression) {
      const answer = await call('Runtime.evaluate', { expression, returnByValue: true });
      return answer.result?.result?.value;
    },
    async heapUsed() {
      await call('HeapProfiler.collectGarbage');
      const answer = await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
      return Number(answer.result?.result?.value);
    },
    close: () => socket.close(),
  };
}
