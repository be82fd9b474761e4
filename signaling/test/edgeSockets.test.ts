import { describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal.ts';
import { EdgeHeartbeat, EdgeSockets } from '../src/cluster/EdgeSockets.ts';
import type { SignalingBackend } from '../src/gateway/SignalingBackend.ts';
import type { GuestBackend } from '../src/guests/GuestGateway.ts';
import { useTestRedis } from './redis.ts';

const operator: Principal = {
  kind: 'staff',
  sessionId: 's1',
  staffId: 'op1',
  role: 'operator',
  displayName: '福祉 一郎',
  departmentIds: ['welfare'],
  secondaryDepartmentIds: [],
};
const tablet: Principal = { kind: 'device', deviceId: 'd1', siteId: 'site1', siteName: '清滝郵便局' };

const at = (id: string) => ({ id, host: undefined });

/** A backend that writes down what reaches it. */
function recordingBackend(): SignalingBackend & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    connected: (_principal, connection) => void calls.push(`connected ${connection.id}`),
    disconnected: (_principal, connection) => void calls.push(`disconnected ${connection.id}`),
    socketClosed: (connection) => void calls.push(`closed ${connection.id}`),
    message: async () => ({ ok: true, data: null }),
  };
}

/** A guests' backend that writes down the connections that reach it. */
function recordingGuests(): GuestBackend & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    admit: async () => ({ admitted: false, reason: 'invalid' }),
    connected: (guest) => void calls.push(`connected ${guest.guestId}`),
    disconnected: (guest) => void calls.push(`disconnected ${guest.guestId}`),
    message: async () => ({ ok: true, data: null }),
  };
}

const until = async (condition: () => boolean, what: string) => {
  for (const deadline = Date.now() + 10_000; !condition(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`not ${what} in 10 s`);
  }
};

describe('EdgeSockets: the owner’s account of the sockets edge nodes relayed, against a real Redis', () => {
  const redis = useTestRedis();

  it('counts out the sockets of an edge without a heartbeat, once each, and leaves a live edge’s alone', async () => {
    const backend = recordingBackend();
    const sockets = new EdgeSockets(backend, recordingGuests(), redis.client, 100);
    const live = new EdgeHeartbeat(redis.client, 'edge-live', 2_000);
    try {
      // edge-dead never beats (a node that died before its first beat, or whose key lapsed).
      sockets.from('edge-dead').connected(operator, at('console-old'));
      sockets.from('edge-dead').connected(tablet, at('tablet-1'));
      sockets.from('edge-live').connected(operator, at('console-new'));
      // The operator's newer console, on the live edge, supersedes the older one on the dead edge.
      sockets.from('edge-live').disconnected(operator, at('console-old'));
      await until(() => !sockets.countsByEdge().has('edge-dead'), 'the dead edge counted out');
      expect(backend.calls).toEqual([
        'connected console-old',
        'connected tablet-1',
        'connected console-new',
        'disconnected console-old',
        // Counted out already, the superseded console is only closed; the tablet is counted out, then closed.
        'closed console-old',
        'disconnected tablet-1',
        'closed tablet-1',
      ]);
      // Past twice the heartbeat's lifetime, renewed meanwhile, the live edge's console still counts.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      expect(sockets.countsByEdge()).toEqual(new Map([['edge-live', 1]]));
      expect(backend.calls).not.toContain('disconnected console-new');
    } finally {
      sockets.close();
      await live.close();
    }
  });

  it('an edge stopped on purpose deletes its heartbeat; a socket it closed is forgotten', async () => {
    const backend = recordingBackend();
    const sockets = new EdgeSockets(backend, recordingGuests(), redis.client, 100);
    const edge = new EdgeHeartbeat(redis.client, 'edge-leaving', 5_000);
    try {
      // The first beat went before this question on the same connection.
      expect(await redis.client.exists('madoguchi:edge:edge-leaving')).toBe(1);
      sockets.from('edge-leaving').connected(tablet, at('tablet-2'));
      sockets.from('edge-leaving').disconnected(tablet, at('tablet-2'));
      sockets.from('edge-leaving').socketClosed(at('tablet-2'));
      expect(sockets.countsByEdge()).toEqual(new Map());
      await edge.close();
      expect(await redis.client.exists('madoguchi:edge:edge-leaving')).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(backend.calls).toEqual(['connected tablet-2', 'disconnected tablet-2', 'closed tablet-2']);
    } finally {
      sockets.close();
    }
  });

  it('counts out the guests of an edge without a heartbeat, each of their connections there once, and leaves the live edge’s', async () => {
    const guests = recordingGuests();
    const sockets = new EdgeSockets(recordingBackend(), guests, redis.client, 100);
    const live = new EdgeHeartbeat(redis.client, 'edge-live-guests', 2_000);
    const interpreter = { guestId: 'g1', consultationId: 'c1' };
    const family = { guestId: 'g2', consultationId: 'c1' };
    try {
      // The interpreter's page connected twice through the dead edge (a reload whose old socket lingers) and once through the live one.
      sockets.guestsFrom('edge-dead-guests').connected(interpreter, 'claim');
      sockets.guestsFrom('edge-dead-guests').connected(interpreter, 'claim');
      sockets.guestsFrom('edge-live-guests').connected(interpreter, 'claim');
      sockets.guestsFrom('edge-dead-guests').connected(family, 'claim');
      sockets.guestsFrom('edge-dead-guests').disconnected(family);
      await until(() => !sockets.countsByEdge().has('edge-dead-guests'), 'the dead edge’s guests counted out');
      expect(guests.calls).toEqual(['connected g1', 'connected g1', 'connected g1', 'connected g2', 'disconnected g2', 'disconnected g1', 'disconnected g1']);
      expect(sockets.countsByEdge()).toEqual(new Map([['edge-live-guests', 1]]));
    } finally {
      sockets.close();
      await live.close();
    }
  });
});
