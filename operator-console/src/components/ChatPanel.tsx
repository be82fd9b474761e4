import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ServerPayload } from '@madoguchi/protocol';
import { strings } from '../strings.ts';

interface ChatPanelProps {
  messages: ServerPayload<'chat:message'>[];
  /** Resolves when the server has the message; rejects when it could not be sent. */
  onSend(text: string): Promise<void>;
}

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit' });

/** Typed conversation with the resident (hearing-impaired residents, noisy rooms). */
export function ChatPanel({ messages, onSend }: ChatPanelProps) {
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [failed, setFailed] = useState(false);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text || sending) return;
    setSending(true);
    setFailed(false);
    onSend(text).then(
      () => setDraft(''),
      () => setFailed(true),
    ).finally(() => setSending(false));
  };

  return (
    <section className="chat-panel" aria-label={strings.chat.title}>
      <h2 className="chat-title">{strings.chat.title}</h2>
      <ol className="chat-messages" ref={list} data-testid="chat-messages" aria-live="polite">
        {messages.map((message) => (
          <li key={message.messageId} className={`chat-message chat-from-${message.from}`}>
            <span className="chat-meta">
              {message.from === 'resident' ? strings.chat.resident : strings.chat.you} {timeOf(message.at)}
            </span>
            <span className="chat-text">{message.text}</span>
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={submit}>
        <input
          className="chat-input"
          data-testid="chat-input"
          value={draft}
          maxLength={1000}
          onChange={(event) => setDraft(event.target.value)}
          placeholder={strings.chat.placeholder}
          aria-label={strings.chat.placeholder}
        />
        <button type="submit" className="button" data-testid="chat-send" disabled={sending || !draft.trim()}>
          {strings.chat.send}
        </button>
      </form>
      {failed ? (
        <p className="chat-error" role="alert">
          {strings.chat.failed}
        </p>
      ) : null}
    </section>
  );
}
