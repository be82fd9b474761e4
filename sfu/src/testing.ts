import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';

/**
 * RTP parameters shaped like those a browser sends with `produce()`: enough for mediasoup to create
 * real producers and consumers in tests that have no browser (no packets flow).
 */
export function browserLikeRtpParameters(kind: types.MediaKind, ssrc: number): types.RtpParameters {
  const base = { mid: String(ssrc % 100), headerExtensions: [], encodings: [{ ssrc }], rtcp: { cname: 'test' } };
  return kind === 'audio'
    ? {
        ...base,
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
      }
    : {
        ...base,
        codecs: [
          {
            mimeType: 'video/VP8',
            payloadType: 96,
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
          },
        ],
      };
}

export interface SfuNodeProcess {
  id: string;
  pid: number;
  /** Its control channel (and GET /health). */
  url: string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** SIGKILL: as a crash or a pulled cable would end it; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM: drain (no new rooms), then exit once its rooms are gone. */
  drain(): void;
}

/**
 * An SFU node as a process of its own, for tests: control and media on 127.0.0.1 at free ports,
 * registered in `redisUrl`. `built`: what `npm start -w sfu` runs (sfu/dist/main.js, end-to-end
 * tests); otherwise its source through tsx (vitest, which runs before the build). Resolves once it
 * answers /health.
 */
export async function startSfuNodeProcess({
  id,
  redisUrl,
  secret,
  workers = 1,
  built = false,
}: {
  id: string;
  redisUrl: string;
  secret: string;
  workers?: number;
  built?: boolean;
}): Promise<SfuNodeProcess> {
  const main = fileURLToPath(new URL(built ? '../dist/main.js' : './main.ts', import.meta.url));
  if (!existsSync(main)) throw new Error(`${main} is missing: build the SFU node first (npm run build)`);
  const port = await freePort();
  const child = spawn(process.execPath, [...(built ? [] : ['--import', 'tsx']), '--enable-source-maps', main], {
    env: { ...process.env, SFU_NODE_ID: id, SFU_PORT: String(port), REDIS_URL: redisUrl, SFU_SECRET: secret, MEDIA_WORKERS: String(workers), MEDIA_PORT: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`SFU node ${id} exited at start (${child.exitCode})`);
    const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`SFU node ${id} did not answer on ${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    id,
    pid: child.pid!,
    url,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    drain: () => void child.kill('SIGTERM'),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
