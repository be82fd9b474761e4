import { canSendDraft, chatDraftReducer, EMPTY_CHAT_DRAFT, sendChatDraft, type ChatMessage } from '@madoguchi/protocol/client';
import { useEffect, useReducer, useRef, type FormEvent } from 'react';
import { useI18n } from '../i18n.ts';

interface ChatPanelProps {
  messages: readonly ChatMessage[];
  /** Resolves when the server has the message; rejects when it could not be sent. */
  onSend(text: string): Promise<void>;
}

/** Typed conversation with the staff member, in large type. The messages live only as long as the call. */
export function ChatPanel({ messages, onSend }: ChatPanelProps) {
  const { t } = useI18n();
  const [draft, dispatch] = useReducer(chatDraftReducer, EMPTY_CHAT_DRAFT);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    sendChatDraft(draft, dispatch, onSend);
  };

  return (
    <section className="chat" aria-label={t.chatTitle} data-testid="chat-panel">
      <ol className="chat__messages" ref={list} data-testid="chat-messages" aria-live="polite">
        {messages.map((message) => (
          <li key={message.messageId} className={`chat__message chat__message--${message.from}`}>
            <span className="chat__from">{message.from === 'operator' ? t.chatFromOperator : t.chatFromYou}</span>
            <span className="chat__text">{message.text}</span>
          </li>
        ))}
      </ol>
      {draft.failed && (
        <p className="chat__error" role="alert">
          {t.chatFailed}
        </p>
      )}
      <form className="chat__form" onSubmit={submit}>
        <input
          className="chat__input"
          data-testid="chat-input"
          value={draft.text}
          maxLength={1000}
          onChange={(event) => dispatch({ type: 'edited', text: event.target.value })}
          placeholder={t.chatPlaceholder}
          aria-label={t.chatTitle}
          autoComplete="off"
        />
        <button type="submit" className="button button--primary chat__send" data-testid="chat-send" disabled={!canSendDraft(draft)}>
          {t.chatSend}
        </button>
      </form>
    </section>
  );
}
