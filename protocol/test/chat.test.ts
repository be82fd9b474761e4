import { describe, expect, it } from 'vitest';
import { canSendDraft, chatDraftReducer, EMPTY_CHAT_DRAFT, sendChatDraft, withChatMessage, type ChatDraftAction, type ChatMessage } from '../src/client/chat.ts';

const message = (messageId: string, at: string): ChatMessage => ({ consultationId: 'c1', messageId, from: 'resident', text: messageId, at });

describe('chat shared by the tablet and the console', () => {
  it('keeps each message once, in the server’s order', () => {
    const first = withChatMessage([], message('a', '2026-01-01T10:00:01.000Z'));
    const both = withChatMessage(first, message('b', '2026-01-01T10:00:00.000Z'));
    expect(both.map((m) => m.messageId)).toEqual(['b', 'a']);
    expect(withChatMessage(both, message('a', '2026-01-01T10:00:01.000Z'))).toBe(both);
  });

  it('sends a non-empty draft once, clears it when sent and keeps it when sending failed', () => {
    expect(canSendDraft(EMPTY_CHAT_DRAFT)).toBe(false);
    expect(chatDraftReducer(EMPTY_CHAT_DRAFT, { type: 'sending' })).toBe(EMPTY_CHAT_DRAFT);
    const typed = chatDraftReducer(EMPTY_CHAT_DRAFT, { type: 'edited', text: ' はい ' });
    const sending = chatDraftReducer(typed, { type: 'sending' });
    expect(sending).toEqual({ text: ' はい ', sending: true, failed: false });
    expect(canSendDraft(sending)).toBe(false);
    expect(chatDraftReducer(sending, { type: 'failed' })).toEqual({ text: ' はい ', sending: false, failed: true });
    expect(chatDraftReducer(sending, { type: 'sent' })).toEqual(EMPTY_CHAT_DRAFT);
  });

  it('sends the trimmed text once and reports how it went; an empty draft is not sent', async () => {
    const actions: ChatDraftAction[] = [];
    const sent: string[] = [];
    const typed = chatDraftReducer(EMPTY_CHAT_DRAFT, { type: 'edited', text: ' はい ' });
    sendChatDraft(typed, (action) => actions.push(action), async (text) => void sent.push(text));
    sendChatDraft(EMPTY_CHAT_DRAFT, (action) => actions.push(action), async (text) => void sent.push(text));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['はい']);
    expect(actions).toEqual([{ type: 'sending' }, { type: 'sent' }]);
    const failures: ChatDraftAction[] = [];
    sendChatDraft(typed, (action) => failures.push(action), () => Promise.reject(new Error('offline')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([{ type: 'sending' }, { type: 'failed' }]);
  });
});
