import { Device } from 'mediasoup-client';
import type { DataProducer, Transport } from 'mediasoup-client/lib/types';
import type { IceServer, ProbeOptions } from '../media.ts';
import { measureHttps } from './httpsCheck.ts';
import { NETWORK_PATHS, type NetworkCheckResult, type NetworkPath, type PathResult } from './networkVerdict.ts';
import type { ProtocolClient } from './ProtocolClient.ts';

/**
 * The network check as a browser runs it (the kiosk's pre-call check, the console's ネットワーク診断),
 * after Twilio's preflight: each way media can take to the SFU is tried on its own probe transport,
 * all at once and each bounded, then the upload is measured for a second over the best one that
 * connected; HTTPS round trips are timed meanwhile. judgeNetworkCheck turns the result into words.
 *
 * Each way is forced: UDP keeps only the SFU's UDP candidates, TCP only its TCP ones (ICE-TCP),
 * TURN/UDP and TURN/TLS use iceTransportPolicy `relay` with only the one TURN URL, so a network
 * that blocks one way cannot hide behind another.
 *
 * The upload goes through the probe's data channel, not over HTTPS: it rides the same path, DTLS
 * and congestion control a call's media would (SCTP backs off as RTP's estimator does), while an
 * HTTPS upload would measure the web port, which is open even where media is blocked.
 */

/** Each way gets this long to connect, from asking for its probe to its data channel opening. */
const PATH_TIMEOUT_MS = 5_000;
/** How long the upload probe sends. */
const UPLOAD_PROBE_MS = 1_000;
/** Bytes kept queued in the data channel while probing: enough to keep the link busy, few enough to drain in time. */
const UPLOAD_QUEUE_BYTES = 1024 * 1024;
const UPLOAD_CHUNK_BYTES = 16 * 1024;

interface OpenPath {
  result: PathResult;
  transport?: Transport;
  channel?: DataProducer;
}

/** `client` null or not connected: HTTPS is still timed, and no way to the SFU can be tried. */
export async function runNetworkCheck(client: ProtocolClient | null): Promise<NetworkCheckResult> {
  const httpsDone = measureHttps();
  const socket = client?.socket.connected ?? false;
  const probes: string[] = [];
  const opened: OpenPath[] =
    client && socket
      ? await Promise.all(NETWORK_PATHS.map((path) => tryPath(client, path, PATH_TIMEOUT_MS, probes)))
      : NETWORK_PATHS.map((path) => ({ result: { path, outcome: 'failed', target: null, rttMs: null } }));
  try {
    const best = opened.find((path) => path.channel);
    const upload = best?.channel ? { kbps: await measureUpload(best.channel, UPLOAD_PROBE_MS), path: best.result.path } : null;
    return { server: location.origin, https: await httpsDone, socket, paths: opened.map((path) => path.result), upload };
  } finally {
    for (const path of opened) path.transport?.close();
    for (const probeId of probes) client?.request('probe:close', { probeId }).catch(() => undefined);
  }
}

/** Try one way; the transport is left open when it connected (for the upload probe), closed otherwise. */
async function tryPath(client: ProtocolClient, path: NetworkPath, timeoutMs: number, probes: string[]): Promise<OpenPath> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await connectPath(client, path, deadline, probes);
  } finally {
    clearTimeout(timer);
  }
}

async function connectPath(client: ProtocolClient, path: NetworkPath, deadline: Promise<'timeout'>, probes: string[]): Promise<OpenPath> {
  const failed = (target: string | null): OpenPath => ({ result: { path, outcome: 'failed', target, rttMs: null } });
  const opening = client.request('probe:open', {});
  const probe = await Promise.race([opening, deadline]).catch((error: unknown) => {
    console.warn(`[network check] ${path}: no probe:`, error);
    return null;
  });
  if (probe === 'timeout') {
    // Too late for this check: give it back as soon as it comes rather than at the server's timeout.
    opening.then(({ probeId }) => client.request('probe:close', { probeId })).catch(() => undefined);
    return failed(null);
  }
  if (probe === null) return failed(null);
  probes.push(probe.probeId);
  const route = routeFor(path, probe);
  if (!route) return { result: { path, outcome: 'unavailable', target: null, rttMs: null } };
  let transport: Transport | undefined;
  try {
    const device = new Device();
    await device.load({ routerRtpCapabilities: probe.routerRtpCapabilities as never });
    transport = device.createSendTransport({
      ...(probe.transport as never as Parameters<Device['createSendTransport']>[0]),
      iceCandidates: route.candidates as never,
      iceServers: route.iceServers,
      iceTransportPolicy: route.relay ? 'relay' : 'all',
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      client.request('probe:connect', { probeId: probe.probeId, dtlsParameters: dtlsParameters as never }).then(() => callback(), errback);
    });
    transport.on('producedata', ({ sctpStreamParameters, label }, callback, errback) => {
      client
        .request('probe:produceData', { probeId: probe.probeId, sctpStreamParameters: sctpStreamParameters as never, label: label ?? '' })
        .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
    });
    // The channel opens once ICE, DTLS and SCTP are all through: the whole way a call takes.
    const channelOpen = transport.produceData({ label: 'network-probe' }).then(
      (channel) =>
        channel.readyState === 'open'
          ? channel
          : new Promise<DataProducer>((resolve, reject) => {
              channel.on('open', () => resolve(channel));
              channel.on('error', reject);
            }),
    );
    const channel = await Promise.race([channelOpen, deadline]);
    if (channel === 'timeout') {
      transport.close();
      return failed(route.target);
    }
    return { result: { path, outcome: 'connected', target: route.target, rttMs: await selectedPairRtt(transport) }, transport, channel };
  } catch (error) {
    console.warn(`[network check] ${path} failed:`, error);
    transport?.close();
    return failed(route.target);
  }
}

interface Route {
  candidates: Record<string, unknown>[];
  iceServers: IceServer[];
  relay: boolean;
  target: string;
}

/** What one way keeps of the probe's candidates and TURN URLs; null when the server offers no such way. */
export function routeFor(path: NetworkPath, probe: Pick<ProbeOptions, 'transport'>): Route | null {
  const candidates = probe.transport.iceCandidates as { protocol?: string; address?: string; ip?: string; port?: number }[];
  const byProtocol = (protocol: 'udp' | 'tcp') => candidates.filter((candidate) => candidate.protocol === protocol);
  const targetOf = (list: typeof candidates, protocol: string) =>
    list.map((candidate) => `${candidate.address ?? candidate.ip}:${candidate.port}/${protocol}`).join(', ');
  if (path === 'udp' || path === 'tcp') {
    const kept = byProtocol(path);
    if (kept.length === 0) return null;
    return { candidates: kept, iceServers: [], relay: false, target: targetOf(kept, path.toUpperCase()) };
  }
  const wanted = path === 'turnUdp' ? /^turn:.*\?transport=udp$/ : /^turns:/;
  for (const server of probe.transport.iceServers ?? []) {
    const url = server.urls.find((candidate) => wanted.test(candidate));
    if (!url) continue;
    const hostPort = url.replace(/^turns?:/, '').replace(/\?.*$/, '');
    // A relay reaches the SFU over UDP: its TCP candidates would be of no use.
    return { candidates: byProtocol('udp'), iceServers: [{ ...server, urls: [url] }], relay: true, target: `${hostPort}/${path === 'turnUdp' ? 'UDP' : 'TLS'}` };
  }
  return null;
}

/** The selected pair's ICE round trip, in ms (null when the browser has not measured one yet). */
async function selectedPairRtt(transport: Transport): Promise<number | null> {
  type Stat = { type: string; id: string; selectedCandidatePairId?: string; currentRoundTripTime?: number; totalRoundTripTime?: number; responsesReceived?: number };
  const stats = new Map<string, Stat>();
  (await transport.getStats()).forEach((stat: Stat) => stats.set(stat.id, stat));
  // Chromium leaves `nominated` false on the pair an ICE-lite server accepted: the transport names the pair in use.
  const pairId = [...stats.values()].find((stat) => stat.type === 'transport' && stat.selectedCandidatePairId)?.selectedCandidatePairId;
  const pair = pairId ? stats.get(pairId) : undefined;
  const seconds = pair?.currentRoundTripTime ?? (pair?.responsesReceived ? (pair.totalRoundTripTime ?? 0) / pair.responsesReceived : undefined);
  return seconds === undefined ? null : Math.round(seconds * 1000);
}

/**
 * Keep the data channel's queue full for `durationMs` and count what left it: SCTP sends only as
 * fast as the path acknowledges, so the bytes drained per second are the upload the path gives.
 */
async function measureUpload(channel: DataProducer, durationMs: number): Promise<number> {
  const chunk = new Uint8Array(UPLOAD_CHUNK_BYTES);
  const started = performance.now();
  let queued = 0;
  while (performance.now() - started < durationMs && channel.readyState === 'open') {
    while (channel.bufferedAmount < UPLOAD_QUEUE_BYTES) {
      channel.send(chunk);
      queued += chunk.byteLength;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const elapsedMs = performance.now() - started;
  const drained = queued - channel.bufferedAmount;
  return Math.round((drained * 8) / elapsedMs); // bits per ms = kbps
}
