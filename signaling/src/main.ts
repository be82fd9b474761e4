import { performance } from 'node:perf_hooks';
import { openDatabase } from '@madoguchi/db';
import { createLogger } from '@madoguchi/protocol/logger';
import { SfuNode } from '@madoguchi/sfu';
import { loadConfig, type Config } from './config.ts';
import { startServer } from './server.ts';
import { startBanner } from './startBanner.ts';
import { watchEventLoop } from './eventLoopWatch.ts';

const logger = createLogger('madoguchi');

// `npm start` tunes glibc's malloc for this process (README, Benchmarks: memory); glibc read it at
// start-up, so the media workers and coturn, started from here, keep their defaults.
delete process.env.MALLOC_MMAP_THRESHOLD_;

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  // A setting the server cannot run with: say which, without a stack trace.
  console.error(`Madoguchi cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const db = openDatabase(config.databaseUrl, { busyTimeoutMs: config.databaseBusyTimeoutMs });
const server = await startServer({ config, db });

const mediaPorts =
  server.sfu instanceof SfuNode ? (await server.sfu.listenPorts()).map(({ udp, tcp }) => `udp ${udp} / tcp ${tcp}`).join(', ') : 'on the SFU nodes (SFU=nodes)';
const stopEventLoopWatch = watchEventLoop();
console.log(startBanner({ config, url: server.url, mediaPorts, readyMs: performance.now(), localCertificates: server.localCertificates }));

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: ending calls and closing`);
  stopEventLoopWatch();
  await server.close();
  await db.$disconnect();
  process.exit(0);
}
// A cluster's owner that lost the city's lease closed itself: the process ends, to be started again as an edge.
void server.closed.then(() => {
  if (stopping) return;
  logger.error('the server closed itself (see above); exiting so that it is started again');
  process.exit(1);
});
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
