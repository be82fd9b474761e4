import { RTT_SLOW_MS, type HttpsResult } from './httpsCheck.ts';

/**
 * The network check's results, judged and put into words a post-office clerk can act on and an IT
 * person can act on: which ways to the server work, which are blocked, and where they lead. Pure.
 */

/** The ways media can take to the SFU, best first. */
export const NETWORK_PATHS = ['udp', 'tcp', 'turnUdp', 'turnTls'] as const;
export type NetworkPath = (typeof NETWORK_PATHS)[number];

export interface PathResult {
  path: NetworkPath;
  /** `unavailable`: the server offers no such way (no TURN configured), so it is not a fault of the network. */
  outcome: 'connected' | 'failed' | 'unavailable';
  /** Where it leads, for the IT person: `10.0.0.5:40000/UDP`, `turn.example.jp:5349/TLS`; null when unavailable. */
  target: string | null;
  /** Round trip of the connected pair (ICE), in ms. */
  rttMs: number | null;
}

export interface NetworkCheckResult {
  /** The page's server, e.g. https://10.0.0.5:8443. */
  server: string;
  https: HttpsResult;
  /** Whether the signaling socket is connected; without it no path can be tried. */
  socket: boolean;
  /** One entry per NETWORK_PATHS, in that order. */
  paths: PathResult[];
  /** Upload measured over the best connected path; null when none connected. */
  upload: { kbps: number; path: NetworkPath } | null;
}

export type NetworkVerdictKind =
  /** Straight to the SFU over UDP: the best a call can have. */
  | 'good'
  /** No UDP to the media port; calls go over TCP or through TURN. */
  | 'udpBlocked'
  /** Only TURN over TLS gets through: calls are relayed. */
  | 'relayOnly'
  /** The server answers but no way for media gets through: no calls from here. */
  | 'mediaBlocked'
  /** The server itself cannot be reached (HTTPS or the socket). */
  | 'serverUnreachable';

export type NetworkWarning = 'slow' | 'lowBandwidth' | 'unstable' | 'serverTrouble';

export interface NetworkVerdict {
  kind: NetworkVerdictKind;
  /** Whether a call can be made from this network. */
  callsWork: boolean;
  /** The ways that were tried and did not connect. */
  blocked: PathResult[];
  warnings: NetworkWarning[];
}

/** Below this upload the tablet cannot send a readable document camera and its face at once. */
export const LOW_UPLOAD_KBPS = 600;

export function judgeNetworkCheck(result: NetworkCheckResult): NetworkVerdict {
  const blocked = result.paths.filter((path) => path.outcome === 'failed');
  const connected = (path: NetworkPath) => result.paths.some((tried) => tried.path === path && tried.outcome === 'connected');
  const warnings: NetworkWarning[] = [];
  if (result.https.verdict === 'unreachable' || !result.socket) {
    return { kind: 'serverUnreachable', callsWork: false, blocked, warnings };
  }
  if (result.https.verdict === 'serverTrouble') warnings.push('serverTrouble');
  if (result.https.verdict === 'unstable') warnings.push('unstable');
  const kind: NetworkVerdictKind = connected('udp')
    ? 'good'
    : connected('tcp') || connected('turnUdp')
      ? 'udpBlocked'
      : connected('turnTls')
        ? 'relayOnly'
        : 'mediaBlocked';
  if (kind !== 'mediaBlocked') {
    const best = result.paths.find((path) => path.outcome === 'connected');
    if (result.https.verdict === 'slow' || (best?.rttMs ?? 0) > RTT_SLOW_MS) warnings.push('slow');
    if (result.upload && result.upload.kbps < LOW_UPLOAD_KBPS) warnings.push('lowBandwidth');
  }
  return { kind, callsWork: kind !== 'mediaBlocked', blocked, warnings };
}

export type NetworkCheckLanguage = 'ja' | 'en';

export interface NetworkReport {
  /** One sentence: can calls be made, and how. */
  headline: string;
  /** What to do, or null when nothing is to be done. */
  advice: string | null;
  /** For the IT person: one line per way tried, HTTPS and the upload. */
  details: string[];
}

interface Words {
  headline: Record<NetworkVerdictKind, string>;
  advice: Record<Exclude<NetworkVerdictKind, 'good' | 'serverUnreachable'>, (blocked: string) => string>;
  unreachable: (server: string, part: 'https' | 'socket') => string;
  warning: Record<NetworkWarning, string>;
  path: Record<NetworkPath, string>;
  connected: (rttMs: number | null) => string;
  failed: string;
  unavailable: string;
  https: (result: HttpsResult) => string;
  upload: (kbps: number, path: string) => string;
  noUpload: string;
}

const ms = (rttMs: number | null) => (rttMs === null ? '' : ` ${Math.round(rttMs)} ms`);
const mbps = (kbps: number) => (kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${Math.round(kbps)} kbps`);

const WORDS: Record<NetworkCheckLanguage, Words> = {
  ja: {
    headline: {
      good: 'このネットワークで 通話できます。',
      udpBlocked: '通話できます。ただし このネットワークは UDP を 通さないため、映像の 質が 下がる ことが あります。',
      relayOnly: '通話できます。このネットワークでは 映像を 中継サーバー（TURN/TLS）経由で 送るため、映像の 質が 下がる ことが あります。',
      mediaBlocked: 'このネットワークでは映像を送れません。管理者に次の情報を伝えてください：',
      serverUnreachable: 'サーバーに つながりません。ネットワークの 接続を 確認し、直らなければ 管理者に 次の情報を 伝えてください：',
    },
    advice: {
      udpBlocked: (blocked) => `管理者の方へ：次の 通信が 遮断されています（${blocked}）。UDP を 許可すると 映像が 安定します。`,
      relayOnly: (blocked) => `管理者の方へ：次の 通信が 遮断されています（${blocked}）。通話は TURN/TLS で 中継されます。`,
      mediaBlocked: (blocked) => `映像の 通信が すべて 遮断されています：${blocked}。このうち どれか 1つを 許可してください。`,
    },
    unreachable: (server, part) =>
      part === 'https' ? `${server} に HTTPS で つながりません。` : `${server} への 通信用の 接続（WebSocket）が つながりません。`,
    warning: {
      slow: '通信の 応答が 遅いです。映像や 声が 遅れる ことが あります。',
      lowBandwidth: '通信の 速さが 足りません。映像が 乱れる ことが あります。',
      unstable: 'サーバーへの 通信が ときどき 途切れます。',
      serverTrouble: 'サーバーの 映像機能に 問題が あります。市役所の 担当者に 連絡してください。',
    },
    path: { udp: 'UDP（直接）', tcp: 'TCP（直接）', turnUdp: 'TURN/UDP（中継）', turnTls: 'TURN/TLS（中継）' },
    connected: (rttMs) => `○ つながります${rttMs === null ? '' : `（応答${ms(rttMs)}）`}`,
    failed: '× 遮断されています',
    unavailable: '－ このサーバーでは 使いません',
    https: (result) =>
      result.verdict === 'unreachable' ? '× 応答が ありません' : `○ 応答${ms(result.medianMs)}${result.lost > 0 ? `（${result.total}回中 ${result.lost}回 応答なし）` : ''}`,
    upload: (kbps, path) => `送信の 速さ：約 ${mbps(kbps)}（${path}）`,
    noUpload: '送信の 速さ：測れません',
  },
  en: {
    headline: {
      good: 'Calls work on this network.',
      udpBlocked: 'Calls work, but this network lets no UDP through, so the video may be of lower quality.',
      relayOnly: 'Calls work, but on this network the video goes through the relay server (TURN/TLS), so it may be of lower quality.',
      mediaBlocked: 'Video cannot be sent on this network. Please give your network administrator the following information:',
      serverUnreachable: 'Cannot reach the server. Check the network connection; if it stays so, give your network administrator the following information:',
    },
    advice: {
      udpBlocked: (blocked) => `For the administrator: these are blocked (${blocked}). Allowing UDP makes the video steadier.`,
      relayOnly: (blocked) => `For the administrator: these are blocked (${blocked}). Calls are relayed over TURN/TLS.`,
      mediaBlocked: (blocked) => `Every way for video is blocked: ${blocked}. Please allow at least one of them.`,
    },
    unreachable: (server, part) =>
      part === 'https' ? `${server} cannot be reached over HTTPS.` : `The signaling connection (WebSocket) to ${server} does not connect.`,
    warning: {
      slow: 'The connection responds slowly: picture and voice may lag.',
      lowBandwidth: 'The connection is too slow for clear video: the picture may break up.',
      unstable: 'The connection to the server drops now and then.',
      serverTrouble: 'The server’s video service has a problem. Please contact city hall.',
    },
    path: { udp: 'UDP (direct)', tcp: 'TCP (direct)', turnUdp: 'TURN/UDP (relay)', turnTls: 'TURN/TLS (relay)' },
    connected: (rttMs) => `✓ connects${rttMs === null ? '' : ` (round trip${ms(rttMs)})`}`,
    failed: '× blocked',
    unavailable: '– not used by this server',
    https: (result) =>
      result.verdict === 'unreachable' ? '× no answer' : `✓ answers in${ms(result.medianMs)}${result.lost > 0 ? ` (${result.lost} of ${result.total} unanswered)` : ''}`,
    upload: (kbps, path) => `Upload: about ${mbps(kbps)} (${path})`,
    noUpload: 'Upload: not measured',
  },
};

/** The verdict in words: the headline for the clerk, the advice, and the details for the IT person. */
export function describeNetworkCheck(result: NetworkCheckResult, verdict: NetworkVerdict, language: NetworkCheckLanguage): NetworkReport {
  const words = WORDS[language];
  const blocked = verdict.blocked.map((path) => `${words.path[path.path]} ${path.target ?? ''}`.trim()).join(', ');
  const advice =
    verdict.kind === 'good'
      ? null
      : verdict.kind === 'serverUnreachable'
        ? words.unreachable(result.server, result.https.verdict === 'unreachable' ? 'https' : 'socket')
        : words.advice[verdict.kind](blocked);
  const details = [
    `HTTPS ${result.server}: ${words.https(result.https)}`,
    ...result.paths.map((path) => {
      const state = path.outcome === 'connected' ? words.connected(path.rttMs) : path.outcome === 'failed' ? words.failed : words.unavailable;
      return `${words.path[path.path]}${path.target ? ` ${path.target}` : ''}: ${state}`;
    }),
    result.upload ? words.upload(result.upload.kbps, words.path[result.upload.path]) : words.noUpload,
  ];
  return {
    headline: [words.headline[verdict.kind], ...verdict.warnings.map((warning) => words.warning[warning])].join(' '),
    advice,
    details,
  };
}
