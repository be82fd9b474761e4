import { Fragment, useEffect, useReducer, useRef, type FormEvent } from 'react';
import { canSendDraft, chatDraftReducer, EMPTY_CHAT_DRAFT, sendChatDraft, type ChatMessage } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';

interface ChatPanelProps {
  messages: ChatMessage[];
  /** The last message written before this operator joined (a transfer, a one-stop call), if any. */
  beforeJoiningUntil: string | null;
  /** Resolves when the server has the message; rejects when it could not be sent. */
  onSend(text: string): Promise<void>;
}

/** Typed conversation with the resident (hearing-impaired residents, noisy rooms). */
export function ChatPanel({ messages, beforeJoiningUntil, onSend }: ChatPanelProps) {
  const { t } = useI18n();
  const [draft, dispatch] = useReducer(chatDraftReducer, EMPTY_CHAT_DRAFT);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const earlier = messages.findIndex((message) => message.messageId === beforeJoiningUntil) + 1;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    sendChatDraft(draft, dispatch, onSend);
  };

  return (
    <section className="chat-panel" aria-label={t.chat.title}>
      <h2 className="chat-title">{t.chat.title}</h2>
      {/* Focusable: on a short screen the list scrolls, and a keyboard must be able to scroll it. */}
      <ol className="chat-messages" ref={list} data-testid="chat-messages" aria-live="polite" aria-label={t.chat.title} tabIndex={0}>
        {messages.map((message, index) => (
          <Fragment key={message.messageId}>
            <li
              className={`chat-message chat-from-${message.from} ${index < earlier ? 'chat-before-joining' : ''}`}
              data-before-joining={index < earlier}
            >
              <span className="chat-meta">
                {/* Before this operator joined, an operator's message was a colleague's. */}
                {message.from === 'resident' ? t.chat.resident : index < earlier ? t.chat.colleague : t.chat.you} {t.format.time(message.at)}
              </span>
              <span className="chat-text">{message.text}</span>
            </li>
            {index === earlier - 1 ? (
              <li className="chat-divider" data-testid="chat-joined-divider">
                {t.chat.beforeJoining}
              </li>
            ) : null}
          </Fragment>
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
