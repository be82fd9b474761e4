import { LibraryResponse, SendDocumentResponse, type DepartmentSummary, type LibraryDocument, type Mark, type SentDocument } from '@madoguchi/protocol';
import type { CallMarks, ProtocolClient } from '@madoguchi/protocol/client';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, query, request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { BoothPrintButton } from './BoothPrintButton.tsx';
import { SentPageView } from './SentPageView.tsx';

type TabletState = { state: 'pending' } | { state: 'shown'; pages: number | null; page: number } | { state: 'failed' } | { state: 'closed' };

interface DocumentSendPanelProps {
  client: ProtocolClient | null;
  token: string;
  consultationId: string;
  /** The libraries the operator may use: the call's department first, then their own. */
  departments: DepartmentSummary[];
  /** The call's marks and where the operator's go: the page the tablet shows is marked here. */
  marks: readonly Mark[];
  board: CallMarks | null;
}

/**
 * 書類を送る (issue 13, item 2): the operator picks a document of a department's library, or a file of
 * their own, and the tablet shows it large; what the tablet reports (shown, failed) is shown here,
 * and the operator may take it off the tablet again.
 */
export function DocumentSendPanel({ client, token, consultationId, departments, marks, board }: DocumentSendPanelProps) {
  const { t } = useI18n();
  const [departmentId, setDepartmentId] = useState(departments[0]?.id ?? '');
  const [library, setLibrary] = useState<LibraryDocument[] | null>(null);
  const [libraryFailed, setLibraryFailed] = useState(false);
  const [chosen, setChosen] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<SentDocument | null>(null);
  const [tablet, setTablet] = useState<TabletState>({ state: 'pending' });

  useEffect(() => {
    if (!departmentId) return;
    let active = true;
    setLibrary(null);
    setLibraryFailed(false);
    request(token, `/documents/library${query({ departmentId })}`, LibraryResponse).then(
      ({ documents }) => {
        if (!active) return;
        setLibrary(documents);
        setChosen(documents[0]?.id ?? '');
      },
      () => active && setLibraryFailed(true),
    );
    return () => {
      active = false;
    };
  }, [token, departmentId]);

  useEffect(() => {
    if (!client) return;
    const offShown = client.on('document:shown', ({ consultationId: id, document }) => {
      if (id !== consultationId) return;
      setSent(document);
      setTablet({ state: 'pending' });
    });
    const offState = client.on('document:displayState', ({ consultationId: id, documentId, state, pages, page }) => {
      if (id !== consultationId) return;
      setSent((current) => {
        if (current?.id === documentId) setTablet(state === 'shown' ? { state, pages, page: page ?? 1 } : { state });
        return current;
      });
    });
    const offClosed = client.on('document:closed', ({ consultationId: id, documentId }) => {
      if (id !== consultationId) return;
      setSent((current) => {
        if (current?.id === documentId) setTablet({ state: 'closed' });
        return current;
      });
    });
    return () => {
      offShown();
      offState();
      offClosed();
    };
  }, [client, consultationId]);

  async function send(path: string, body?: File) {
    setSending(true);
    setError(null);
    try {
      const init: RequestInit = body ? { method: 'POST', body } : { method: 'POST' };
      // A File goes as the raw body (request() marks only string bodies as JSON); the server reads the type from the bytes.
      const { document } = await request(token, path, SendDocumentResponse, init);
      setSent(document);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.serverMessage ? failure.serverMessage : t.documents.failed);
    } finally {
      setSending(false);
    }
  }

  const sendFromLibrary = (event: FormEvent) => {
    event.preventDefault();
    if (chosen) void send(`/documents/sent${query({ consultationId, libraryDocumentId: chosen })}`);
  };
  const sendFile = (event: FormEvent) => {
    event.preventDefault();
    if (file) void send(`/documents/sent${query({ consultationId, title: title.trim() || file.name })}`, file);
  };

  return (
    <section className="document-send" aria-label={t.documents.title} data-testid="document-send">
      <h2 className="document-send-title">{t.documents.title}</h2>
      {departments.length > 1 ? (
        <label className="document-send-field">
          {t.documents.department}
          <select value={departmentId} onChange={(event) => setDepartmentId(event.target.value)} data-testid="document-department">
            {departments.map((department) => (
              <option key={department.id} value={department.id}>
                {department.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <form className="document-send-row" onSubmit={sendFromLibrary}>
        {libraryFailed ? (
          <p className="still-error">{t.documents.loadFailed}</p>
        ) : library && library.length === 0 ? (
          <p className="document-send-empty">{t.documents.libraryEmpty}</p>
        ) : (
          <>
            <label className="document-send-field">
              {t.documents.library}
              <select value={chosen} onChange={(event) => setChosen(event.target.value)} data-testid="document-library" disabled={!library}>
                {(library ?? []).map((document) => (
                  <option key={document.id} value={document.id}>
                    {`${t.documents.kind[document.kind] ?? ''}：${document.title}`}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="button" data-testid="document-send-library" disabled={!chosen || sending}>
              {sending ? t.documents.sending : t.documents.send}
            </button>
          </>
        )}
      </form>
      <form className="document-send-row" onSubmit={sendFile}>
        <label className="document-send-field">
          {t.documents.fromDisk}
          <input
            type="file"
            accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
            data-testid="document-file"
            onChange={(event) => {
              const picked = event.target.files?.[0] ?? null;
              setFile(picked);
              setTitle(picked ? picked.name.replace(/\.[^.]+$/, '') : '');
            }}
          />
        </label>
        <label className="document-send-field">
          {t.documents.fileTitle}
          <input type="text" value={title} maxLength={100} onChange={(event) => setTitle(event.target.value)} data-testid="document-file-title" />
        </label>
        <button type="submit" className="button" data-testid="document-send-file" disabled={!file || sending}>
          {t.documents.sendFile}
        </button>
      </form>
      {error ? (
        <p className="still-error" role="alert" data-testid="document-send-error">
          {error}
        </p>
      ) : null}
      {sent ? (
        <div className="document-send-status" role="status" data-testid="document-sent" data-document-id={sent.id} data-state={tablet.state}>
          <span>{t.documents.sent(sent.title)}</span>
          <span>
            {tablet.state === 'shown' ? t.documents.state.shown(tablet.pages) : t.documents.state[tablet.state]}
          </span>
          <BoothPrintButton key={sent.id} client={client} consultationId={consultationId} kind="document" id={sent.id} />
          {tablet.state !== 'closed' && client ? (
            <button
              type="button"
              className="button"
              data-testid="document-close"
              onClick={() => void client.request('document:close', { consultationId, documentId: sent.id }).catch(() => undefined)}
            >
              {t.documents.close}
            </button>
          ) : null}
        </div>
      ) : null}
      {sent && tablet.state === 'shown' ? <SentPageView token={token} document={sent} page={tablet.page} marks={marks} board={board} /> : null}
    </section>
  );
}
