import { availableParallelism } from 'node:os';
import type { SfuOptions } from './SfuNode.ts';

export interface SfuNodeConfig {
  id: string;
  /** Control channel: where signaling nodes connect (and what they are told in the registry). */
  host: string;
  port: number;
  publicUrl?: string;
  redisUrl: string;
  secret: string;
  media: SfuOptions;
}

/** An SFU node's settings, from the environment (README, configuration). */
export function loadSfuNodeConfig(env: NodeJS.ProcessEnv, host: string): SfuNodeConfig {
  const int = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`${name}=${value}: a whole number`);
    return Number(value);
  };
  const redisUrl = env.REDIS_URL;
  if (!redisUrl || !/^rediss?:\/\//.test(redisUrl)) throw new Error('REDIS_URL: the redis:// URL of the registry the signaling nodes read');
  const secret = env.SFU_SECRET ?? '';
  if (secret.length < 32) throw new Error('SFU_SECRET: at least 32 characters, the same on the signaling nodes');
  const publicUrl = env.SFU_PUBLIC_URL || undefined;
  if (publicUrl && !/^https?:\/\/[^/]+$/.test(publicUrl)) throw new Error(`SFU_PUBLIC_URL=${publicUrl}: an http(s) origin such as http://10.0.0.7:4700`);
  const port = int('SFU_PORT', 4700);
  const listenIp = env.MEDIA_LISTEN_IP || '127.0.0.1';
  const announcedIp = env.MEDIA_ANNOUNCED_IP || undefined;
  if (!announcedIp && (listenIp === '0.0.0.0' || listenIp === '::')) throw new Error(`MEDIA_LISTEN_IP=${listenIp} needs MEDIA_ANNOUNCED_IP: the address browsers send media to`);
  return {
    id: env.SFU_NODE_ID || `${host}:${port}`,
    host: env.SFU_HOST || '127.0.0.1',
    port,
    publicUrl,
    redisUrl,
    secret,
    media: {
      numWorkers: int('MEDIA_WORKERS', availableParallelism()) || 1,
      listenIp,
      announcedIp,
      port: int('MEDIA_PORT', 40000),
      maxIncomingBitrate: int('MEDIA_MAX_INCOMING_KBPS', 0) * 1000 || undefined,
    },
  };
}
