import { useEffect, useReducer, useRef, type FormEvent } from 'react';
import { canSendDraft, chatDraftReducer, EMPTY_CHAT_DRAFT, sendChatDraft, type ChatMessage } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';

interface ChatPanelProps {
  messages: ChatMessage[];
  /** Resolves when the server has the message; rejects when it could not be sent. */
  onSend(text: string): Promise<void>;
}

/** Typed conversation with the resident (hearing-impaired residents, noisy rooms). */
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
    <section className="chat-panel" aria-label={t.chat.title}>
      <h2 className="chat-title">{t.chat.title}</h2>
      <ol className="chat-messages" ref={list} data-testid="chat-messages" aria-live="polite">
        {messages.map((message) => (
          <li key={message.messageId} className={`chat-message chat-from-${message.from}`}>
            <span className="chat-meta">
              {message.from === 'resident' ? t.chat.resident : t.chat.you} {t.format.time(message.at)}
            </span>
            <span className="chat-text">{message.text}</span>
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={submit}>
        <input
          className="chat-input"
          data-testid="chat-input"
          value={draft.text}
          maxLength={1000}
          onChange={(event) => dispatch({ type: 'edited', text: event.target.value })}
          placeholder={t.chat.placeholder}
          aria-label={t.chat.placeholder}
        />
        <button type="submit" className="button" data-testid="chat-send" disabled={!canSendDraft(draft)}>
          {t.chat.send}
        </button>
      </form>
      {draft.failed ? (
        <p className="chat-error" role="alert">
          {t.chat.failed}
        </p>
      ) : null}
    </section>
  );
}
