import { createContext, useContext } from 'react';

/**
 * All UI strings, one dictionary per language. Resident-facing strings in Japanese use
 * やさしい日本語 (short sentences, few kanji, spaces between phrases).
 *
 * To add a language (中文, 한국어, Tiếng Việt, Português): write `const zh: Messages = { … }`
 * below and add it to LANGUAGES. The type makes sure no string is forgotten.
 */

const ja = {
  appName: 'リモート窓口',
  languageLabel: 'ことば / Language',

  // Boot / connection
  loading: 'じゅんびしています…',
  serverUnreachable: 'サーバーに つながりません。',
  retry: 'もう一度 ためす',
  offline: 'つながっていません。しばらく お待ちください。',

  // Pairing (for the clerk / IT staff)
  pairTitle: 'タブレットの 登録',
  pairIntro: '管理者から もらった 端末トークンを 入れてください。最初の 1回だけ 必要です。',
  pairTokenLabel: '端末トークン',
  pairSubmit: '登録する',
  pairChecking: '確認しています…',
  pairErrorEmpty: '端末トークンを 入れてください。',
  pairErrorInvalid: 'この 端末トークンは 使えません。もう一度 確認してください。',
  pairErrorRevoked: 'この タブレットの 登録が 無効に なりました。新しい 端末トークンを 入れてください。',
  pairErrorNetwork: 'サーバーに つながりません。ネットワークを 確認してください。',
  pairedNotice: (site: string) => `「${site}」の タブレットとして 登録しました。`,

  // Home
  homeTitle: '相談したい 課を えらんでください',
  homeHint: 'ボタンを おすと 市役所の 担当者と ビデオで 話せます。',
  startConsultation: '相談をはじめる',
  openSettings: 'カメラの 設定',
  departments: {
    citizen: { name: '市民課', hint: '住民票・引っ越し・マイナンバーカード' },
    tax: { name: '税務課', hint: '税金の こと' },
    insurance: { name: '保険年金課', hint: '国民健康保険・年金' },
    welfare: { name: '福祉課', hint: '介護・障がい・くらしの 相談' },
    childcare: { name: '子育て支援課', hint: '子ども・保育園・手当' },
    general: { name: '総合窓口', hint: 'どこに 聞けば いいか わからない とき' },
  } as Record<string, { name: string; hint: string }>,
  noDepartments: '今は 相談できる 課が ありません。',

  // Notices shown on the home screen
  noticeNoOperator: 'ごめんなさい。今は 担当者が いません。あとで もう一度 ためしてください。',
  noticeRequestFailed: 'ごめんなさい。相談を はじめられませんでした。もう一度 ためしてください。',
  noticeCallEnded: '相談は 終わりました。ありがとうございました。',
  noticeEndedByOperator: '担当者が 相談を 終わりました。ありがとうございました。',
  noticeCallFailed: 'ごめんなさい。通信の 問題で 相談が 終わりました。',
  noticeCancelled: '相談を やめました。',
  noticeConnectionLost: 'ごめんなさい。通信が 切れたので 相談が 終わりました。もう一度 ボタンを おしてください。',
  noticeWaitingEnded: 'ごめんなさい。今は 担当者が 出られません。あとで もう一度 ためしてください。',
  close: 'とじる',

  // Waiting
  waitingTitle: 'お待ちください',
  waitingDepartment: (department: string) => `${department}の 担当者を よんでいます`,
  queuePosition: (n: number) => `あなたの 順番は ${n}番目です`,
  queueOffered: 'まもなく つながります',
  queueUnknown: '順番を 確認しています',
  cancel: '相談を やめる',
  cancelling: 'やめています…',

  // Call
  callWith: (operator: string, department: string) => `${department}　${operator}`,
  connectionState: {
    new: 'つないでいます',
    connecting: 'つないでいます',
    connected: 'つながっています',
    disconnected: '通信が 不安定です',
    failed: '通信が 切れました',
    closed: '通信が 切れました',
  } satisfies Record<RTCPeerConnectionState, string>,
  operatorVideoWaiting: '担当者の 映像を 待っています…',
  operatorDocument: '担当者が 見せている 書類',
  sharedScreen: '担当者の 画面',
  yourFace: 'あなたの 顔',
  yourDocument: '書類カメラ',
  documentHint: '書類を ここに おいてください',
  noDocumentCamera: '書類カメラが ありません',
  mediaError: 'カメラか マイクが 使えません。担当者に 伝えてください。',
  mute: 'マイクを 切る',
  unmute: 'マイクを 入れる',
  muted: 'マイクが 切れています',
  endCall: '終了する',
  ending: '終了しています…',
  enableSound: '音を 出す',

  // Camera settings (for the clerk)
  settingsTitle: 'カメラの 設定',
  settingsIntro: '顔を うつす カメラと 書類を うつす カメラを えらんでください。',
  faceCamera: '顔カメラ',
  documentCamera: '書類カメラ',
  noCamera: '使わない',
  cameraFallbackLabel: (n: number) => `カメラ ${n}`,
  noCamerasFound: 'カメラが 見つかりません。',
  cameraPermissionError: 'カメラを 使う 許可が ありません。',
  save: '保存する',
  back: 'もどる',
};

/** The shape every language must provide (Japanese is the reference). */
export type Messages = typeof ja;

const en: Messages = {
  appName: 'Remote Counter',
  languageLabel: 'ことば / Language',

  loading: 'Getting ready…',
  serverUnreachable: 'Cannot reach the server.',
  retry: 'Try again',
  offline: 'Not connected. Please wait a moment.',

  pairTitle: 'Register this tablet',
  pairIntro: 'Enter the device token from your administrator. You only need to do this once.',
  pairTokenLabel: 'Device token',
  pairSubmit: 'Register',
  pairChecking: 'Checking…',
  pairErrorEmpty: 'Please enter the device token.',
  pairErrorInvalid: 'This device token is not valid. Please check it and try again.',
  pairErrorRevoked: 'This tablet is no longer registered. Please enter a new device token.',
  pairErrorNetwork: 'Cannot reach the server. Please check the network.',
  pairedNotice: (site) => `Registered as the tablet at "${site}".`,

  homeTitle: 'Choose who you want to talk to',
  homeHint: 'Press a button to talk by video with a city hall staff member.',
  startConsultation: 'Start consultation',
  openSettings: 'Camera settings',
  departments: {
    citizen: { name: 'Resident Registration', hint: 'Residence certificate, moving, My Number card' },
    tax: { name: 'Taxes', hint: 'City and resident taxes' },
    insurance: { name: 'Insurance & Pension', hint: 'National health insurance, pension' },
    welfare: { name: 'Welfare', hint: 'Elderly care, disability, living support' },
    childcare: { name: 'Child Support', hint: 'Children, nursery school, allowances' },
    general: { name: 'General Counter', hint: 'When you do not know where to ask' },
  },
  noDepartments: 'No department is available right now.',

  noticeNoOperator: 'Sorry, no staff member is available now. Please try again later.',
  noticeRequestFailed: 'Sorry, the consultation could not start. Please try again.',
  noticeCallEnded: 'The consultation has ended. Thank you.',
  noticeEndedByOperator: 'The staff member ended the consultation. Thank you.',
  noticeCallFailed: 'Sorry, the consultation ended because of a connection problem.',
  noticeCancelled: 'You cancelled the consultation.',
  noticeConnectionLost: 'Sorry, the connection was lost and the consultation ended. Please press a button to start again.',
  noticeWaitingEnded: 'Sorry, no staff member can answer now. Please try again later.',
  close: 'Close',

  waitingTitle: 'Please wait',
  waitingDepartment: (department) => `Calling a staff member of ${department}`,
  queuePosition: (n) => `You are number ${n} in line`,
  queueOffered: 'Connecting soon',
  queueUnknown: 'Checking your place in line',
  cancel: 'Cancel',
  cancelling: 'Cancelling…',

  callWith: (operator, department) => `${department} — ${operator}`,
  connectionState: {
    new: 'Connecting',
    connecting: 'Connecting',
    connected: 'Connected',
    disconnected: 'Connection unstable',
    failed: 'Connection lost',
    closed: 'Connection lost',
  },
  operatorVideoWaiting: 'Waiting for the staff member’s video…',
  operatorDocument: 'Document shown by the staff member',
  sharedScreen: 'Staff member’s screen',
  yourFace: 'You',
  yourDocument: 'Document camera',
  documentHint: 'Place your papers here',
  noDocumentCamera: 'No document camera',
  mediaError: 'The camera or microphone is not working. Please tell the staff member.',
  mute: 'Mute microphone',
  unmute: 'Unmute microphone',
  muted: 'Microphone is off',
  endCall: 'End call',
  ending: 'Ending…',
  enableSound: 'Turn on sound',

  settingsTitle: 'Camera settings',
  settingsIntro: 'Choose the camera for the face and the camera for documents.',
  faceCamera: 'Face camera',
  documentCamera: 'Document camera',
  noCamera: 'Do not use',
  cameraFallbackLabel: (n) => `Camera ${n}`,
  noCamerasFound: 'No camera found.',
  cameraPermissionError: 'Permission to use the camera was denied.',
  save: 'Save',
  back: 'Back',
};

export interface Language {
  code: string;
  /** The language's own name, shown on the switch. */
  label: string;
  messages: Messages;
}

export const LANGUAGES: readonly Language[] = [
  { code: 'ja', label: '日本語', messages: ja },
  { code: 'en', label: 'English', messages: en },
];

export const DEFAULT_LANGUAGE = 'ja';

export function messagesFor(code: string): Messages {
  return (LANGUAGES.find((language) => language.code === code) ?? LANGUAGES[0]!).messages;
}

/** The department's name in the current language; the server's (Japanese) name when there is no translation. */
export function departmentName(t: Messages, department: { code: string; name: string }): string {
  return t.departments[department.code]?.name ?? department.name;
}

export interface I18n {
  language: string;
  t: Messages;
  setLanguage(code: string): void;
}

export const I18nContext = createContext<I18n>({
  language: DEFAULT_LANGUAGE,
  t: ja,
  setLanguage: () => {},
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
