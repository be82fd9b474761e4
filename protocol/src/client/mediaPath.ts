import type { MediaPath } from '../media.ts';

type Stat = Record<string, unknown>;

/**
 * The candidate pair a peer connection uses, from its getStats() report: the transport's selected
 * pair (Chromium), else the nominated pair that succeeded. Null before ICE has connected.
 */
export function selectedMediaPath(report: Iterable<Stat>): MediaPath | null {
  const stats = [...report];
  const byId = new Map(stats.map((stat) => [stat.id, stat]));
  const transport = stats.find((stat) => stat.type === 'transport');
  const pair =
    byId.get(transport?.selectedCandidatePairId) ?? stats.find((stat) => stat.type === 'candidate-pair' && stat.nominated === true && stat.state === 'succeeded');
  const local = pair && byId.get(pair.localCandidateId);
  if (!pair || !local) return null;
  const localType = local.candidateType;
  const protocol = local.protocol;
  if (!['host', 'srflx', 'prflx', 'relay'].includes(localType as string) || !['udp', 'tcp'].includes(protocol as string)) return null;
  const relayProtocol = ['udp', 'tcp', 'tls'].includes(local.relayProtocol as string) ? (local.relayProtocol as MediaPath['relayProtocol']) : undefined;
  const rtt = pair.currentRoundTripTime;
  return {
    localType: localType as MediaPath['localType'],
    protocol: protocol as MediaPath['protocol'],
    ...(localType === 'relay' && relayProtocol ? { relayProtocol } : {}),
    ...(typeof rtt === 'number' && rtt >= 0 && rtt < 60 ? { rttMs: Math.round(rtt * 1000) } : {}),
  };
}
