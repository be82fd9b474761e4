import type { ServerPayload } from '../events.ts';

/**
 * Chat logic shared by the tablet and the console; each app draws its own panel (large type for
 * residents on the tablet, compact on the console).
 */

export type ChatMessage = ServerPayload<'chat:message'>;

/** A call's transcript with one more message: each message once, in the server's order. */
export function withChatMessage(messages: readonly ChatMessage[], message: ChatMessage): ChatMessage[] {
  if (messages.some((m) => m.messageId === message.messageId)) return messages as ChatMessage[];
  return [...messages, message].sort((a, b) => a.at.localeCompare(b.at));
}

/** The message being written: its text, whether it is on its way, whether the last try failed. */
export interface ChatDraft {
  text: string;
  sending: boolean;
  failed: boolean;
}

export type ChatDraftAction = { type: 'edited'; text: string } | { type: 'sending' } | { type: 'sent' } | { type: 'failed' };

export const EMPTY_CHAT_DRAFT: ChatDraft = { text: '', sending: false, failed: false };

/** Whether the draft can be sent now. */
export const canSendDraft = (draft: ChatDraft): boolean => !draft.sending && draft.text.trim().length > 0;

/** Send the draft if it can go now, taking it through sending → sent (cleared) or failed (kept). */
export function sendChatDraft(draft: ChatDraft, dispatch: (action: ChatDraftAction) => void, send: (text: string) => Promise<void>): void {
  if (!canSendDraft(draft)) return;
  dispatch({ type: 'sending' });
  send(draft.text.trim()).then(
    () => dispatch({ type: 'sent' }),
    () => dispatch({ type: 'failed' }),
  );
}

/** The composer's states: sent clears the text, a failure keeps it to try again. */
export function chatDraftReducer(draft: ChatDraft, action: ChatDraftAction): ChatDraft {
  switch (action.type) {
    case 'edited':
      return { ...draft, text: action.text };
    case 'sending':
      return canSendDraft(draft) ? { ...draft, sending: true, failed: false } : draft;
    case 'sent':
      return EMPTY_CHAT_DRAFT;
    case 'failed':
      return { ...draft, sending: false, failed: true };
  }
}
