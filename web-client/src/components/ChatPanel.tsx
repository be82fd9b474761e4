import { canSendDraft, chatDraftReducer, EMPTY_CHAT_DRAFT, sendChatDraft, type ChatMessage } from '@madoguchi/protocol/client';
import { useEffect, useReducer, useRef, type FormEvent, type RefObject } from 'react';
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
  useNewestInView(list, messages.length);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    sendChatDraft(draft, dispatch, onSend);
  };

  return (
    <section className="chat" aria-label={t.chatTitle} data-testid="chat-panel">
      <ol className="chat__messages" ref={list} data-testid="chat-messages" aria-live="polite">
        {messages.map((message, index) => (
          <li key={message.messageId} className={`chat__message chat__message--${message.from}`}>
            {/* Who wrote is shown once per run of messages (the side says it too); screen readers hear it each time. */}
            <span className={messages[index - 1]?.from === message.from ? 'visually-hidden' : 'chat__from'}>
              {message.from === 'operator' ? t.chatFromOperator : t.chatFromYou}
            </span>
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

/**
 * Keeps the end of a scrolling list in view: when a message arrives, and when the list gets
 * shorter (a banner appears above the chat) while its end was in view. Scrolls the list only,
 * never the page around it.
 */
function useNewestInView(list: RefObject<HTMLElement | null>, count: number): void {
  const atEnd = useRef(true);
  useEffect(() => {
    const element = list.current;
    if (!element) return;
    const showEnd = () => {
      element.scrollTop = element.scrollHeight;
    };
    const onScroll = () => {
      atEnd.current = element.scrollHeight - element.scrollTop - element.clientHeight < 4;
    };
    const resized = new ResizeObserver(() => atEnd.current && showEnd());
    element.addEventListener('scroll', onScroll);
    resized.observe(element);
    return () => {
      element.removeEventListener('scroll', onScroll);
      resized.disconnect();
    };
  }, [list]);
  useEffect(() => {
    const element = list.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    atEnd.current = true;
  }, [list, count]);
}
