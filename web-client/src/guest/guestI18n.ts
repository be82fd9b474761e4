import { createContext, useContext } from 'react';
import type { GuestEnd, GuestKind, GuestRefusalReason } from '@madoguchi/protocol';

/**
 * The guest page's words, in Japanese and English: a guest (an interpreter, a family member, staff
 * of another office) joins from their own computer or phone; the call's own languages are theirs
 * to speak.
 */
const ja = {
  appName: 'リモート窓口',
  pageTitle: 'ゲスト参加',
  languageLabel: '表示言語 / Language',
  kind: { interpreter: '通訳', sign_interpreter: '手話通訳', family: 'ご家族', agency: '関係機関' } satisfies Record<GuestKind, string>,
  joiningAs: (kind: string, department: string) => `${department}の 相談に「${kind}」として 参加します`,
  connecting: '接続しています…',
  checkTitle: 'カメラと マイクの 確認',
  checkLead: 'ご自分の 映像が 映り、話すと メーターが 動くことを 確かめてください。',
  cameraPreview: 'あなたの カメラの 映像',
  micLevel: 'マイクの 音量',
  micHeard: '声が 届いています',
  micQuiet: '声が 聞こえません。マイクを 確認してください。',
  devicesFailed: 'カメラまたは マイクが 使えません。ブラウザの 設定で 許可してください。音声だけ、映像だけでも 参加できます。',
  insecure: 'この ページは 暗号化されていない 接続で 開かれているため、カメラと マイクが 使えません。',
  nameLabel: 'お名前（任意）',
  nameHint: '担当者に 表示されます。',
  knock: '参加を申し込む',
  lobbyTitle: '担当者が参加を許可するまでお待ちください',
  lobbyLead: '許可されると、自動で 相談に つながります。この 画面を 閉じないでください。',
  cancel: 'やめる',
  callTitle: (department: string) => `${department}の 相談`,
  resident: '相談者',
  staff: '担当職員',
  otherGuest: 'ほかの ゲスト',
  you: 'あなた',
  waitingVideo: '映像を 待っています',
  documentShown: '書類',
  mute: 'マイクを 切る',
  unmute: 'マイクを 入れる',
  muted: 'マイクが 切れています',
  cameraOff: 'カメラを 切る',
  cameraOn: 'カメラを 入れる',
  leave: '退出する',
  enableSound: '音声を 再生する',
  reconnecting: '通信が 切れました。つなぎなおしています…',
  ended: {
    refused: '参加は 許可されませんでした。',
    removed: '担当者により 退出と なりました。',
    left: '退出しました。ありがとうございました。',
    call_ended: '相談は 終了しました。ありがとうございました。',
    disconnected: '通信が 切れたため、退出と なりました。',
  } satisfies Record<GuestEnd, string>,
  refused: {
    invalid: 'この リンクは 正しくありません。担当者に 新しい リンクを もらってください。',
    expired: 'この リンクの 有効期限が 切れています。担当者に 新しい リンクを もらってください。',
    in_use: 'この リンクは すでに 別の 画面で 使われています。',
    closed: 'この リンクは もう 使えません。必要な 場合は 担当者に お問い合わせください。',
  } satisfies Record<GuestRefusalReason, string>,
  linkDone: 'この リンクは もう 使えません。',
  noLink: 'リンクが ありません。担当者から 受け取った リンクを 開いてください。',
  unavailable: 'サーバーに つながりません。しばらくしてから もう一度 開いてください。',
};

export type GuestMessages = typeof ja;

const en: GuestMessages = {
  appName: 'Remote Counter',
  pageTitle: 'Join as a guest',
  languageLabel: 'Language / 表示言語',
  kind: { interpreter: 'Interpreter', sign_interpreter: 'Sign-language interpreter', family: 'Family member', agency: 'Partner organisation' },
  joiningAs: (kind, department) => `You are joining a ${department} consultation as: ${kind}`,
  connecting: 'Connecting…',
  checkTitle: 'Check your camera and microphone',
  checkLead: 'Make sure you can see yourself and that the meter moves when you speak.',
  cameraPreview: 'Your camera',
  micLevel: 'Microphone level',
  micHeard: 'Your voice is coming through',
  micQuiet: 'No sound from your microphone. Please check it.',
  devicesFailed: 'The camera or microphone cannot be used. Allow them in your browser settings. You can also join with sound or video only.',
  insecure: 'This page was opened over an unencrypted connection, so the camera and microphone cannot be used.',
  nameLabel: 'Your name (optional)',
  nameHint: 'Shown to the staff member.',
  knock: 'Ask to join',
  lobbyTitle: 'Please wait until the staff member lets you in',
  lobbyLead: 'You will be connected automatically once you are admitted. Please keep this page open.',
  cancel: 'Cancel',
  callTitle: (department) => `${department} consultation`,
  resident: 'Resident',
  staff: 'Staff',
  otherGuest: 'Another guest',
  you: 'You',
  waitingVideo: 'Waiting for video',
  documentShown: 'Document',
  mute: 'Mute',
  unmute: 'Unmute',
  muted: 'Your microphone is off',
  cameraOff: 'Camera off',
  cameraOn: 'Camera on',
  leave: 'Leave',
  enableSound: 'Play sound',
  reconnecting: 'Connection lost. Reconnecting…',
  ended: {
    refused: 'The staff member did not admit you.',
    removed: 'The staff member removed you from the call.',
    left: 'You have left the call. Thank you.',
    call_ended: 'The consultation has ended. Thank you.',
    disconnected: 'You were disconnected and have left the call.',
  },
  refused: {
    invalid: 'This link is not valid. Please ask the staff member for a new link.',
    expired: 'This link has expired. Please ask the staff member for a new link.',
    in_use: 'This link is already in use in another browser.',
    closed: 'This link can no longer be used. Please contact the staff member if needed.',
  },
  linkDone: 'This link can no longer be used.',
  noLink: 'No link. Please open the link you were given by the staff member.',
  unavailable: 'The server cannot be reached. Please open the link again in a while.',
};

export const GUEST_LANGUAGES = [
  { code: 'ja', label: '日本語', messages: ja },
  { code: 'en', label: 'English', messages: en },
] as const;

export interface GuestI18n {
  language: string;
  t: GuestMessages;
  setLanguage(code: string): void;
}

export const GuestI18nContext = createContext<GuestI18n>({ language: 'ja', t: ja, setLanguage: () => {} });

export function useGuestI18n(): GuestI18n {
  return useContext(GuestI18nContext);
}

export function guestMessages(code: string): GuestMessages {
  return (GUEST_LANGUAGES.find((language) => language.code === code) ?? GUEST_LANGUAGES[0]).messages;
}

/** The browser's language if we have it (an English-speaking interpreter opens the link in English), else Japanese. */
export function initialGuestLanguage(saved: string | null, preferred: readonly string[]): string {
  if (saved && GUEST_LANGUAGES.some((language) => language.code === saved)) return saved;
  const first = preferred.map((tag) => tag.slice(0, 2).toLowerCase()).find((code) => GUEST_LANGUAGES.some((language) => language.code === code));
  return first ?? 'ja';
}
