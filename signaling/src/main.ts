import { openDatabase } from '@madoguchi/db';
import { createLogger } from '@madoguchi/protocol/logger';
import { loadConfig } from './config.ts';
import { startServer } from './server.ts';

const logger = createLogger('madoguchi');

const config = loadConfig();
const db = openDatabase(config.databaseUrl, { busyTimeoutMs: config.databaseBusyTimeoutMs });
const server = await startServer({ config, db });

const ports = (await server.sfu.listenPorts()).map(({ udp, tcp }) => `udp ${udp} / tcp ${tcp}`).join(', ');
console.log(`
Madoguchi リモート窓口 is running
  Tablet (kiosk)      ${server.url}/kiosk/
  Operator console    ${server.url}/console/
  API                 ${server.url}/api/health
  Media (mediasoup)   ${config.media.listenIp}${config.media.announcedIp ? ` announced as ${config.media.announcedIp}` : ''}: ${ports}
Demo accounts and tablet tokens: .data/demo-accounts.txt (written by npm run setup)
`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info(`${signal}: ending calls and closing`);
  await server.close();
  await db.$disconnect();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
