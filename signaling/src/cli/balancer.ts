/**
 * The tiny TCP balancer of a cluster on one machine (scripts/start-cluster.sh):
 *   tsx src/cli/balancer.ts --listen 127.0.0.1:8080 --backend 127.0.0.1:8081 --backend 127.0.0.1:8082
 * Round-robin over the backends that accept; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { TcpBalancer, type Backend } from '../cluster/TcpBalancer.ts';

function address(value: string): Backend {
  const match = /^(.+):(\d+)$/.exec(value);
  if (!match) throw new Error(`${value}: host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

const { values } = parseArgs({ options: { listen: { type: 'string' }, backend: { type: 'string', multiple: true } } });
if (!values.listen || !values.backend?.length) {
  console.error('usage: balancer --listen host:port --backend host:port [--backend host:port …]');
  process.exit(2);
}
const listen = address(values.listen);
const balancer = await TcpBalancer.start({ ...listen, backends: values.backend.map(address), pick: 'round-robin' });
console.log(`balancer on ${listen.host}:${balancer.port} → ${values.backend.join(', ')}`);
const stop = () => void balancer.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
