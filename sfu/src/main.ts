/**
 * `npm start -w sfu`: an SFU node as a process of its own. Its mediasoup workers serve the rooms
 * that signaling nodes (SFU=nodes) place on it; it registers in Redis with its address and load.
 * SIGTERM or SIGINT drains it (no new rooms; it ends once its calls have ended or moved); a second
 * one stops it at once, and the signaling nodes rebuild its calls on another node.
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { createLogger } from '@madoguchi/protocol/logger';
import { loadSfuNodeConfig } from './config.ts';
import { SfuRegistration } from './remote/registry.ts';
import { SfuService } from './remote/SfuService.ts';
import { SfuNode } from './SfuNode.ts';

const logger = createLogger('sfu');

let config: ReturnType<typeof loadSfuNodeConfig>;
try {
  config = loadSfuNodeConfig(process.env, hostname());
} catch (error) {
  console.error(`The SFU node cannot start: ${(error as Error).message}`);
  process.exit(1);
}

const redis = new Redis(config.redisUrl, { lazyConnect: true, connectTimeout: 10_000, maxRetriesPerRequest: null });
redis.on('error', () => {}); // reconnects by itself; the registry logs what it could not write
await redis.connect().catch((error: Error) => {
  console.error(`The SFU node cannot start: REDIS_URL unreachable (${error.message})`);
  process.exit(1);
});
const node = await SfuNode.start(config.media);
const service = await SfuService.start({ node, id: config.id, secret: config.secret, host: config.host, port: config.port, publicUrl: config.publicUrl });
const registration = await SfuRegistration.register(redis, () => service.entry());
const ports = (await node.listenPorts()).map(({ udp, tcp }) => `udp ${udp} / tcp ${tcp}`).join(', ');
logger.info(`SFU node ${config.id} ready: control ${service.url}, media ${ports}`);

let stopping = false;
async function stop(): Promise<void> {
  await registration.close();
  await service.close();
  await node.close();
  redis.disconnect();
  process.exit(0);
}
function onSignal(signal: string): void {
  if (stopping) {
    logger.info(`${signal} again: stopping now`);
    void stop();
    return;
  }
  stopping = true;
  logger.info(`${signal}: draining (no new rooms; ${node.roomCount} room(s) to finish)`);
  const drained = service.drain();
  void registration.refresh();
  void drained.then(() => {
    logger.info('drained');
    return stop();
  });
}
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));
