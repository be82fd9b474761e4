import type { ConsultationOutcome, ErrorCode, Presence, StaffRole } from '@madoguchi/protocol';

/** Every Japanese UI string of the operator console (glossary: /work/shared/README.md). */

export const strings = {
  appName: 'リモート窓口',
  consoleName: '担当職員コンソール',

  login: {
    title: 'ログイン',
    username: 'ユーザー名',
    password: 'パスワード',
    submit: 'ログイン',
    submitting: 'ログインしています…',
    invalid: 'ユーザー名またはパスワードが正しくありません。',
    rateLimited: 'ログインの失敗が続いたため、一時的にログインできません。しばらく待ってからもう一度お試しください。',
    network: 'サーバーに接続できません。ネットワークを確認してください。',
    server: 'ログインできませんでした。しばらくしてからもう一度お試しください。',
    expired: 'ログインの有効期限が切れました。もう一度ログインしてください。',
  },

  header: {
    logout: 'ログアウト',
    departments: '担当課',
    connection: {
      connecting: 'サーバーに接続中…',
      connected: '接続中',
      reconnecting: '接続が切れました。再接続しています…',
    },
  },

  roles: {
    operator: '担当職員',
    supervisor: '管理者',
    admin: 'システム管理者',
  } satisfies Record<StaffRole, string>,

  presence: {
    heading: '受付状態',
    set: { available: '受付可', away: '離席中' },
    label: {
      offline: 'オフライン',
      available: '受付可',
      offered: '着信中',
      in_call: '対応中',
      wrap_up: '後処理中',
      away: '離席中',
    } satisfies Record<Presence, string>,
    hint: {
      available: '相談の着信を待っています。',
      away: '離席中は着信しません。受付を始めるときは「受付可」を押してください。',
      missedOffers: '着信に続けて応答がなかったため、離席中にしました。戻ったら「受付可」を押してください。',
      wrapUp: '後処理中です。記録などが終わったら「受付可」を押してください（一定時間で自動的に受付可に戻ります）。',
      other: '',
    },
  },

  queues: {
    heading: '待ち状況',
    waiting: (count: number) => `${count}人待ち`,
    none: '待っている人はいません',
    longest: '最長',
    serving: (count: number) => `対応可能な職員 ${count}人`,
  },

  notes: {
    heading: '対応メモ',
    about: (site: string, department: string) => `直前の相談（${site}・${department}）の記録です。`,
    category: '相談種別',
    noCategory: '（選択なし）',
    text: 'メモ',
    save: '記録する',
    saving: '記録しています…',
    skip: '記録しない',
    failed: '記録できませんでした。もう一度お試しください。',
  },

  callbacks: {
    heading: '折り返し電話の依頼',
    none: '未対応の依頼はありません。',
    done: '対応済みにする',
    undo: '未対応に戻す',
    showDone: '対応済みも表示',
    failed: '折り返し依頼を読み込めませんでした。',
    requestedAt: '依頼日時',
  },

  supervisor: {
    consoleName: '管理者コンソール',
    nav: { wallboard: '待ち状況', records: '相談記録', stats: '統計', audit: '監査ログ', settings: '設定' },
    loading: '読み込んでいます…',
    loadFailed: 'データを読み込めませんでした。もう一度お試しください。',
    forbidden: 'この画面を表示する権限がありません。',
  },

  records: {
    title: '相談記録',
    filters: '絞り込み',
    from: '開始日',
    to: '終了日',
    department: '担当課',
    site: '窓口',
    operator: '担当職員',
    outcome: '結果',
    satisfaction: '満足度',
    all: 'すべて',
    apply: '絞り込む',
    reset: '条件をクリア',
    exportCsv: 'CSVでダウンロード',
    exporting: 'ダウンロードしています…',
    exportFailed: 'CSVをダウンロードできませんでした。',
    more: 'さらに表示',
    empty: '条件に合う相談記録はありません。',
    count: (n: number, more: boolean) => `${n.toLocaleString('ja-JP')}件${more ? '以上' : ''}を表示`,
    column: {
      requestedAt: '受付日時',
      site: '窓口',
      department: '担当課',
      operator: '担当職員',
      wait: '待ち時間',
      talk: '対応時間',
      outcome: '結果',
      satisfaction: '満足度',
    },
    inProgress: '対応中',
    notRated: '未回答',
    score: (n: number) => `${n}（${['とても不満', '不満', 'ふつう', '満足', 'とても満足'][n - 1]}）`,
  },

  record: {
    back: '相談記録の一覧へ戻る',
    title: '相談記録の詳細',
    notFound: 'この相談記録は見つかりません（削除されたか、閲覧する権限がありません）。',
    summary: '概要',
    id: '相談ID',
    device: '端末',
    answeredAt: '応答日時',
    endedAt: '終了日時',
    endedBy: '終了操作',
    endedByValue: { resident: '相談者', operator: '担当職員', system: 'システム' },
    departmentsServed: '対応した課',
    operatorsInvolved: '関わった職員',
    comment: 'ご意見',
    timeline: '経過',
    chat: 'チャットの記録',
    noChat: 'チャットはありません。',
    notes: '対応メモ・相談種別',
    noNotes: '対応メモはありません。',
    from: { resident: '相談者', operator: '職員' },
    actor: { device: '端末', staff: '職員', system: 'システム' },
    event: {
      requested: '受付',
      offered: '職員を呼び出し',
      declined: '職員が辞退',
      offer_timeout: '呼び出しに応答なし',
      offer_withdrawn: '呼び出しを取り消し',
      answered: '応答',
      rejoined: '再接続',
      cancelled: '待ち中に終了',
      ended: '終了',
      failed: '障害により終了',
      rated: '満足度の回答',
      chat: 'チャット',
      transferred: '転送',
      specialist_joined: '他の課の職員が参加',
      callback_requested: '折り返しを希望',
      refused: '受付できず',
      widened: '他の課の職員にも呼び出しを拡大',
      overflowed: '総合窓口にも呼び出し',
      specialist_invited: '他の課を呼び出し',
      specialist_offered: '他の課の職員を呼び出し',
      specialist_cancelled: '他の課の呼び出しを取り消し',
      operator_left: '職員が退出',
      note: '対応メモ',
      media_quality: '通信品質の記録',
      wrap_up_ended: '後処理終了',
    } as Record<string, string>,
    source: {
      face: '相談者の顔',
      document: '書類カメラ',
      mic: '相談者の音声',
      'operator-cam': '職員の映像',
      'operator-mic': '職員の音声',
      'operator-document': '職員の書類カメラ',
      screen: '画面共有',
    } as Record<string, string>,
    quality: (source: string, kbps: number, loss: number, rtt: number | null) =>
      `${source} 平均${kbps.toLocaleString('ja-JP')}kbps・損失最大${loss}%${rtt === null ? '' : `・往復${rtt}ms`}`,
  },

  stats: {
    title: '統計',
    period: '期間',
    total: '相談件数',
    serviceLevel: (seconds: number) => `${seconds}秒以内の応答率`,
    abandonment: '待ち中の終了率',
    satisfied: '満足と回答した割合',
    satisfiedTarget: '目標 80%以上',
    ratedCount: (n: number) => `回答 ${n.toLocaleString('ja-JP')}件`,
    byHour: '時間帯別の相談件数',
    byDay: '日別の相談件数',
    byDepartment: '担当課別の待ち時間・対応時間',
    bySite: '窓口別の相談件数',
    satisfactionDistribution: '満足度の分布',
    averageWait: '平均待ち時間',
    p90Wait: '待ち時間（90%）',
    averageTalk: '平均対応時間',
    p90Talk: '対応時間（90%）',
    count: '件数',
    hour: (h: number) => `${h}時`,
    none: '—',
    noData: 'この期間の相談はありません。',
    p90Note: '90%：10件中9件がこの時間以内。',
  },

  audit: {
    title: '監査ログ',
    at: '日時',
    staff: '職員',
    action: '操作',
    target: '対象',
    details: '内容',
    system: 'システム（自動処理）',
    actions: {
      'record.view': '相談記録の閲覧',
      'records.export': 'CSVダウンロード',
      'config.change': '設定の変更',
      'records.purge': '保存期間を過ぎた記録の削除',
      'still.view': '静止画の閲覧',
      'callback.view': '折り返し依頼（氏名・電話番号）の閲覧',
    } as Record<string, string>,
    more: 'さらに表示',
    empty: '記録はありません。',
  },

  settings: {
    title: '設定',
    retentionDays: '相談記録の保存期間（日）',
    retentionHint: 'この日数より前の相談記録は毎日自動で削除され、削除は監査ログに残ります。',
    serviceLevelSeconds: '応答率の基準（秒）',
    serviceLevelHint: '統計の「◯秒以内の応答率」の基準です。',
    save: '保存する',
    saving: '保存しています…',
    saved: '保存しました。',
    failed: '保存できませんでした。入力値を確認してください。',
    readOnly: '設定の変更はシステム管理者が行います。',
  },

  offer: {
    title: '相談の着信',
    specialistTitle: '他の課からの呼び出し（同席の依頼）',
    invitedBy: (name: string) => `${name} さんが同席を依頼しています`,
    transferred: '転送された相談',
    ringsFor: (seconds: number) => `あと ${seconds} 秒で他の職員に回ります`,
    site: '窓口',
    department: '担当課',
    waited: '待ち時間',
    accept: '応答',
    decline: '辞退',
    accepting: '接続しています…',
  },

  chat: {
    title: 'チャット',
    resident: '相談者',
    you: 'あなた',
    placeholder: 'メッセージを入力',
    send: '送信',
    failed: 'メッセージを送信できませんでした。もう一度お試しください。',
  },
  stills: {
    title: '書類の静止画',
    capture: '静止画を撮影',
    capturing: '撮影中…',
    empty: '「静止画を撮影」で、相談者の書類カメラの最大解像度の画像を取得します。',
    open: (n: number) => `静止画 ${n} を拡大表示`,
    loading: '読み込み中…',
    loadFailed: '画像を読み込めませんでした',
    close: '閉じる',
    failed: {
      no_document_camera: '相談者のタブレットに書類カメラがありません。',
      capture_failed: '書類カメラで撮影できませんでした。',
      upload_failed: '静止画を受け取れませんでした。もう一度撮影してください。',
      timeout: 'タブレットから応答がありませんでした。もう一度撮影してください。',
    } as Record<string, string>,
    failedOther: '静止画を撮影できませんでした。',
  },
  call: {
    routingHeading: '転送・他の課を呼ぶ',
    targetDepartment: '相手の課',
    transfer: '転送する',
    invite: '他の課を呼ぶ（同席）',
    inviting: (department: string) => `${department} を呼んでいます…`,
    cancelInvite: '呼び出しを取り消す',
    colleague: '同席の職員',
    leave: '退出する（相談は続きます）',
    site: '窓口',
    department: '担当課',
    handling: '対応時間',
    documentCamera: '書類カメラ',
    face: '相談者',
    self: '自分の映像',
    waitingDocument: '書類カメラの映像を待っています…',
    waitingFace: '相談者の映像を待っています…',
    noCamera: 'カメラを使用できません',
    shareCamera: '見せるカメラ',
    shareDocument: '書類カメラを見せる',
    shareScreen: '画面を見せる',
    stopSharing: '見せるのをやめる',
    sharing: { 'operator-document': '書類カメラを相談者に表示中', screen: '画面を相談者に表示中' },
    mute: 'マイクをミュート',
    unmute: 'ミュート解除',
    muted: 'ミュート中',
    end: '終了する',
    ending: '終了しています…',
    zoomIn: '拡大',
    zoomOut: '縮小',
    zoomReset: '等倍',
    fullscreen: '全画面',
    exitFullscreen: '全画面を終了',
    resolution: '解像度',
    setup: '映像と音声を準備しています…',
    connection: {
      new: '接続準備中',
      connecting: '接続中…',
      connected: '通話中',
      disconnected: '通信が不安定です。再接続しています…',
      failed: '映像・音声の接続に失敗しました',
      closed: '切断されました',
    } satisfies Record<RTCPeerConnectionState, string>,
    localMissing: {
      audio: 'マイクを使用できません。相談者に声が届きません。',
      video: 'カメラを使用できません。相談者に職員の映像が映りません。',
    },
    mediaFailed: '映像・音声の接続に失敗しました。終了してもう一度お試しください。',
  },

  notice: {
    dismiss: '閉じる',
    offerCancelled: '相談者が呼び出しを取り消しました。',
    offerAnswered: '他の職員が応答しました。',
    offerLostConnection: '接続が切れたため、着信は他の職員に回りました。',
    ringTimeout: '応答がなかったため、着信は他の職員に回りました。',
    callLeft: {
      transferred: (duration: string) => `相談者を転送しました（対応時間 ${duration}）。後処理の後、受付可に戻ります。`,
      left: (duration: string) => `通話から退出しました（対応時間 ${duration}）。相談は引き続き他の職員が対応します。`,
    },
    callEnded: (outcome: ConsultationOutcome, endedBy: 'resident' | 'operator' | 'system', duration: string) => {
      if (outcome === 'failed') return `通信の問題により相談が終了しました（対応時間 ${duration}）。`;
      if (endedBy === 'resident') return `相談者が相談を終了しました（対応時間 ${duration}）。`;
      return `相談が終了しました（対応時間 ${duration}）。`;
    },
    error: {
      presence: '受付状態を変更できませんでした。',
      accept: '応答できませんでした。',
      end: '終了の処理に失敗しました。',
      share: '映像を相談者に見せられませんでした。カメラの接続や画面共有の許可を確認してください。',
      transfer: '転送できませんでした。',
      invite: '他の課を呼べませんでした。',
      leave: '退出できませんでした。',
    },
    errorCode: {
      BAD_REQUEST: '要求が正しくありません。',
      UNKNOWN_EVENT: 'サーバーが対応していない操作です。',
      UNAUTHORIZED: 'ログインし直してください。',
      FORBIDDEN: 'この操作は許可されていません。',
      NOT_FOUND: '相談が見つかりません。',
      CONFLICT: '現在の状態ではこの操作はできません。',
      NO_OPERATOR: '対応できる職員がいません。',
      MEDIA_ERROR: '映像サーバーで問題が発生しました。',
      RATE_LIMITED: '操作が多すぎます。しばらくしてからもう一度お試しください。',
      INTERNAL: 'サーバーから応答がありません。',
    } satisfies Record<ErrorCode, string>,
  },
} as const;

/** 83 s → "1分23秒". */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes}分${seconds}秒` : `${seconds}秒`;
}

/** 83 s → "01:23"; 1 h 2 min 3 s → "1:02:03". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = String(minutes).padStart(2, '0');
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** 83.4 s → "1分23秒"; null → "—". */
export function formatSeconds(seconds: number | null): string {
  return seconds === null ? '—' : formatWait(seconds * 1000);
}

/** An instant as a clerk reads it, in Japan time: 2026/11/23 21:07:13. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** 0.8125 → "81.3%"; null → "—". */
export function formatPercent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)}%`;
}
