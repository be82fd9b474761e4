import { describe, expect, it } from 'vitest';
import { RTT_SLOW_MS } from '../src/client/httpsCheck.ts';
import { routeFor } from '../src/client/networkCheck.ts';
import {
  describeNetworkCheck,
  judgeNetworkCheck,
  LOW_UPLOAD_KBPS,
  type NetworkCheckResult,
  type NetworkPath,
  type PathResult,
} from '../src/client/networkVerdict.ts';

const TARGETS: Record<NetworkPath, string> = {
  udp: '10.0.0.5:40000/UDP',
  tcp: '10.0.0.5:40000/TCP',
  turnUdp: '10.0.0.5:3478/UDP',
  turnTls: '10.0.0.5:5349/TLS',
};

/** A check where the listed ways connected (20 ms) and the others were blocked. */
function check(connected: NetworkPath[], overrides: Partial<NetworkCheckResult> = {}): NetworkCheckResult {
  const paths: PathResult[] = (['udp', 'tcp', 'turnUdp', 'turnTls'] as const).map((path) => ({
    path,
    outcome: connected.includes(path) ? 'connected' : 'failed',
    target: TARGETS[path],
    rttMs: connected.includes(path) ? 20 : null,
  }));
  const best = paths.find((path) => path.outcome === 'connected');
  return {
    server: 'https://10.0.0.5:8443',
    https: { verdict: 'ok', medianMs: 8, lost: 0, total: 5 },
    socket: true,
    paths,
    upload: best ? { kbps: 8000, path: best.path } : null,
    ...overrides,
  };
}

const judged = (result: NetworkCheckResult) => judgeNetworkCheck(result);

describe('network check verdict', () => {
  it('is good when media reaches the SFU over UDP, whatever else is blocked', () => {
    expect(judged(check(['udp', 'tcp', 'turnUdp', 'turnTls']))).toEqual({ kind: 'good', callsWork: true, blocked: [], warnings: [] });
    const verdict = judged(check(['udp']));
    expect(verdict.kind).toBe('good');
    expect(verdict.blocked.map((path) => path.path)).toEqual(['tcp', 'turnUdp', 'turnTls']);
  });

  it('says UDP is blocked when only TCP or TURN gets through, naming the blocked ways', () => {
    const verdict = judged(check(['tcp', 'turnTls']));
    expect(verdict).toMatchObject({ kind: 'udpBlocked', callsWork: true });
    expect(verdict.blocked.map((path) => path.path)).toEqual(['udp', 'turnUdp']);
    expect(judged(check(['turnUdp'])).kind).toBe('udpBlocked');
  });

  it('says calls are relayed when only TURN/TLS gets through', () => {
    expect(judged(check(['turnTls']))).toMatchObject({ kind: 'relayOnly', callsWork: true });
  });

  it('says no video can be sent when no way connects though the server answers', () => {
    const verdict = judged(check([]));
    expect(verdict).toMatchObject({ kind: 'mediaBlocked', callsWork: false, warnings: [] });
    expect(verdict.blocked).toHaveLength(4);
  });

  it('puts a server that cannot be reached before anything about media', () => {
    expect(judged(check([], { socket: false })).kind).toBe('serverUnreachable');
    expect(judged(check(['udp'], { https: { verdict: 'unreachable', medianMs: null, lost: 5, total: 5 } })).kind).toBe('serverUnreachable');
  });

  it('does not count a way the server does not offer (no TURN) as blocked', () => {
    const result = check(['udp']);
    result.paths = result.paths.map((path) => (path.path.startsWith('turn') ? { ...path, outcome: 'unavailable', target: null } : path));
    expect(judged(result).blocked.map((path) => path.path)).toEqual(['tcp']);
  });

  it('warns of a slow round trip, a low upload, lost HTTPS answers and a server in trouble', () => {
    const slow = check(['udp']);
    slow.paths[0] = { ...slow.paths[0]!, rttMs: RTT_SLOW_MS + 1 };
    expect(judged(slow).warnings).toEqual(['slow']);
    expect(judged(check(['tcp'], { upload: { kbps: LOW_UPLOAD_KBPS - 1, path: 'tcp' } })).warnings).toEqual(['lowBandwidth']);
    expect(judged(check(['udp'], { https: { verdict: 'unstable', medianMs: 9, lost: 1, total: 5 } })).warnings).toEqual(['unstable']);
    expect(judged(check(['udp'], { https: { verdict: 'serverTrouble', medianMs: 9, lost: 0, total: 5 } })).warnings).toEqual(['serverTrouble']);
  });
});

describe('network check in words', () => {
  const report = (result: NetworkCheckResult, language: 'ja' | 'en' = 'ja') => describeNetworkCheck(result, judgeNetworkCheck(result), language);

  it('tells the administrator what to open when nothing gets through, with every blocked address', () => {
    const words = report(check([]));
    expect(words.headline).toBe('このネットワークでは映像を送れません。管理者に次の情報を伝えてください：');
    for (const target of Object.values(TARGETS)) expect(words.advice).toContain(target);
    expect(words.details).toContain('HTTPS https://10.0.0.5:8443: ○ 応答 8 ms');
    expect(words.details).toContain('UDP（直接） 10.0.0.5:40000/UDP: × 遮断されています');
    expect(words.details.at(-1)).toBe('送信の 速さ：測れません');
    expect(report(check([]), 'en').headline).toBe('Video cannot be sent on this network. Please give your network administrator the following information:');
  });

  it('names UDP as what is blocked when calls go over TCP, and TURN/TLS when they are relayed', () => {
    const udpBlocked = report(check(['tcp', 'turnTls']));
    expect(udpBlocked.headline).toContain('UDP を 通さない');
    expect(udpBlocked.advice).toContain('UDP（直接） 10.0.0.5:40000/UDP, TURN/UDP（中継） 10.0.0.5:3478/UDP');
    expect(udpBlocked.details).toContain('TCP（直接） 10.0.0.5:40000/TCP: ○ つながります（応答 20 ms）');
    expect(udpBlocked.details.at(-1)).toBe('送信の 速さ：約 8.0 Mbps（TCP（直接））');
    const relayed = report(check(['turnTls']));
    expect(relayed.headline).toContain('中継サーバー（TURN/TLS）経由');
    expect(relayed.advice).toContain('TCP（直接） 10.0.0.5:40000/TCP');
  });

  it('says which part of the server is out of reach', () => {
    const noHttps = report(check([], { https: { verdict: 'unreachable', medianMs: null, lost: 5, total: 5 } }));
    expect(noHttps.headline).toMatch(/^サーバーに つながりません。/);
    expect(noHttps.advice).toBe('https://10.0.0.5:8443 に HTTPS で つながりません。');
    expect(noHttps.details[0]).toBe('HTTPS https://10.0.0.5:8443: × 応答が ありません');
    expect(report(check([], { socket: false }), 'en').advice).toBe('The signaling connection (WebSocket) to https://10.0.0.5:8443 does not connect.');
  });

  it('has nothing to advise on a good network, and adds the warnings to the headline', () => {
    expect(report(check(['udp', 'tcp', 'turnUdp', 'turnTls']))).toMatchObject({ headline: 'このネットワークで 通話できます。', advice: null });
    const slow = report(check(['udp'], { upload: { kbps: 300, path: 'udp' } }), 'en');
    expect(slow.headline).toBe('Calls work on this network. The connection is too slow for clear video: the picture may break up.');
    expect(slow.details.at(-1)).toBe('Upload: about 300 kbps (UDP (direct))');
  });
});

describe('the way each path is forced', () => {
  const probe = {
    transport: {
      id: 't',
      iceParameters: { usernameFragment: 'u', password: 'p' },
      dtlsParameters: {},
      sctpParameters: { port: 5000, OS: 1024, MIS: 1024, maxMessageSize: 262144 },
      iceCandidates: [
        { foundation: 'udp', protocol: 'udp', address: '10.0.0.5', port: 40000, type: 'host' },
        { foundation: 'tcp', protocol: 'tcp', address: '10.0.0.5', port: 40000, type: 'host', tcpType: 'passive' },
      ],
      iceServers: [
        {
          urls: ['turn:srv:3478?transport=udp', 'turn:srv:3478?transport=tcp', 'turns:srv:5349?transport=tcp'],
          username: 'x',
          credential: 'y',
        },
      ],
    },
  };

  it('keeps only the SFU’s UDP or TCP candidates for the direct ways, without TURN', () => {
    expect(routeFor('udp', probe)).toEqual({ candidates: [probe.transport.iceCandidates[0]], iceServers: [], relay: false, target: '10.0.0.5:40000/UDP' });
    expect(routeFor('tcp', probe)).toMatchObject({ candidates: [probe.transport.iceCandidates[1]], iceServers: [], relay: false, target: '10.0.0.5:40000/TCP' });
  });

  it('relays through exactly one TURN URL for the TURN ways, with the credential', () => {
    expect(routeFor('turnUdp', probe)).toEqual({
      candidates: [probe.transport.iceCandidates[0]],
      iceServers: [{ urls: ['turn:srv:3478?transport=udp'], username: 'x', credential: 'y' }],
      relay: true,
      target: 'srv:3478/UDP',
    });
    expect(routeFor('turnTls', probe)).toMatchObject({ iceServers: [{ urls: ['turns:srv:5349?transport=tcp'] }], relay: true, target: 'srv:5349/TLS' });
  });

  it('has no TURN way when the server gives no TURN', () => {
    const withoutTurn = { transport: { ...probe.transport, iceServers: undefined } };
    expect(routeFor('turnUdp', withoutTurn)).toBeNull();
    expect(routeFor('turnTls', withoutTurn)).toBeNull();
  });
});
