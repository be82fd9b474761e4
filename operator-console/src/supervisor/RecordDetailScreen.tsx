import { MediaPath, RecordDetail, type RecordEvent, type SentDocument, type ConsultationForm, type SupervisionMode } from '@madoguchi/protocol';
import { useState } from 'react';
import { request } from '../api.ts';
import { StillThumb, useStillImages } from '../components/StillGallery.tsx';
import { StillLightbox } from '../components/StillLightbox.tsx';
import { useI18n, type Messages } from '../i18n/index.ts';
import { useLoad } from './useLoad.ts';

interface RecordDetailScreenProps {
  token: string;
  id: string;
  onBack(): void;
  onUnauthorized(): void;
}

/** What an event says beyond its type, in words (the raw data stays in the API for other uses). */
function eventNote(t: Messages, event: RecordEvent, detail: RecordDetail): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.type === 'rated' && typeof data.score === 'number') return t.records.score(data.score);
  if (event.type === 'chat' && typeof data.text === 'string') return data.text;
  if (event.type === 'handover_note' && typeof data.note === 'string') return data.note;
  if (event.type === 'media_quality' && Array.isArray(data.streams)) {
    return (data.streams as Array<{ source: string; averageKbps: number; maxLossPercent: number; averageRttMs: number | null }>)
      .map((stream) => t.record.quality(t.record.source[stream.source] ?? stream.source, stream.averageKbps, stream.maxLossPercent, stream.averageRttMs))
      .join(' / ');
  }
  if (event.type === 'media_path') {
    const parsed = MediaPath.safeParse(data);
    const party = typeof data.role === 'string' ? (t.record.pathOf[data.role] ?? data.role) : null;
    return parsed.success ? t.format.list([party, t.record.path(parsed.data)].filter((part): part is string => Boolean(part))) : '';
  }
  if (event.type === 'connection_lost' || event.type === 'reconnected') {
    const party = typeof data.party === 'string' ? (t.record.party[data.party] ?? data.party) : null;
    const staff = detail.operatorsInvolved.find((s) => s.id === data.staffId)?.name;
    const how = typeof data.how === 'string' ? (t.record.how[data.how] ?? data.how) : null;
    const via = typeof data.via === 'string' ? (t.record.via[data.via] ?? data.via) : null;
    const gap = typeof data.gapMs === 'number' ? t.record.gap(t.format.duration(data.gapMs)) : null;
    return t.format.list([party, staff, via, how, gap].filter((part): part is string => Boolean(part)));
  }
  if (event.type === 'held' && typeof data.reason === 'string') return t.record.heldReason[data.reason] ?? data.reason;
  if (event.type.startsWith('supervision_')) {
    const mode = (value: unknown) => (typeof value === 'string' ? (t.supervision.mode[value as SupervisionMode] ?? value) : null);
    if (event.type === 'supervision_mode_changed') return `${mode(data.from)} → ${mode(data.to)}`;
    const reason = typeof data.reason === 'string' ? (t.record.supervisionEnd[data.reason] ?? data.reason) : null;
    return t.format.list([mode(data.mode), reason].filter((part): part is string => Boolean(part)));
  }
  if (event.type.startsWith('guest_')) {
    const kind = typeof data.kind === 'string' ? (t.record.guestKind[data.kind] ?? data.kind) : null;
    const name = typeof data.name === 'string' ? data.name : null;
    const left = event.type === 'guest_left' && typeof data.reason === 'string' ? (t.record.guestLeft[data.reason] ?? data.reason) : null;
    const documents = event.type === 'guest_documents' && typeof data.allowed === 'boolean' ? t.record.guestDocuments(data.allowed) : null;
    return t.format.list([kind, name, left, documents].filter((part): part is string => Boolean(part)));
  }
  if (event.type === 'note') return t.format.list([data.category, data.text].filter((part): part is string => typeof part === 'string' && part !== ''));
  const department = detail.departmentsServed.find((d) => Object.values(data).includes(d.id));
  const staff = detail.operatorsInvolved.find((s) => Object.values(data).includes(s.id));
  return t.format.list([department?.name, staff?.name].filter((name): name is string => Boolean(name)));
}

export function RecordDetailScreen({ token, id, onBack, onUnauthorized }: RecordDetailScreenProps) {
  const { t } = useI18n();
  const [record] = useLoad(id, () => request(token, `/records/${encodeURIComponent(id)}`, RecordDetail), onUnauthorized);

  return (
    <section className="record-detail" aria-labelledby="record-heading">
      <a
        href="#/records"
        className="back-link"
        onClick={(event) => {
          event.preventDefault();
          onBack();
        }}
      >
        ← {t.record.back}
      </a>
      <h1 id="record-heading">{t.record.title}</h1>
      {record.status === 'loading' ? <p role="status">{t.supervisor.loading}</p> : null}
      {record.status === 'error' ? (
        <p role="alert" className="form-error">
          {record.httpStatus === 404 ? t.record.notFound : t.supervisor.loadFailed}
        </p>
      ) : null}
      {record.status === 'ready' ? <RecordView detail={record.data} token={token} /> : null}
    </section>
  );
}

function RecordView({ detail, token }: { detail: RecordDetail; token: string }) {
  const { t } = useI18n();
  const images = useStillImages(detail.stills, token);
  const [openStillId, setOpenStillId] = useState<string | null>(null);
  /** The still a `still_taken` event names; undefined once retention has deleted it. */
  const stillOf = (event: RecordEvent) => {
    const stillId = (event.data as { stillId?: unknown } | null)?.stillId;
    return detail.stills.find((still) => still.id === stillId);
  };
  const summary: [string, string][] = [
    [t.records.column.requestedAt, t.format.dateTime(detail.requestedAt)],
    [t.record.answeredAt, detail.answeredAt ? t.format.dateTime(detail.answeredAt) : '—'],
    [t.record.endedAt, detail.endedAt ? t.format.dateTime(detail.endedAt) : '—'],
    [t.records.column.site, detail.site.name],
    [t.record.device, detail.device.name],
    [t.record.arrival, t.record.arrivalValue[detail.arrival]],
    [t.records.column.department, detail.department.name],
    [t.record.departmentsServed, t.format.list(detail.departmentsServed.map((d) => d.name))],
    [t.records.column.operator, detail.operator?.name ?? '—'],
    [t.record.operatorsInvolved, t.format.list(detail.operatorsInvolved.map((s) => s.name)) || '—'],
    [t.records.column.wait, t.format.seconds(detail.waitSeconds)],
    [t.records.column.talk, t.format.seconds(detail.talkSeconds)],
    [t.records.column.outcome, detail.outcome ? t.records.outcomes[detail.outcome] : t.records.inProgress],
    [t.record.endedBy, detail.endedBy ? t.record.endedByValue[detail.endedBy] : '—'],
    [t.records.column.satisfaction, detail.satisfaction ? t.records.score(detail.satisfaction) : t.records.notRated],
    [t.record.comment, detail.satisfactionComment ?? '—'],
    [t.record.id, detail.id],
  ];
  return (
    <div className="record-columns">
      <section aria-labelledby="record-summary" className="panel">
        <h2 id="record-summary">{t.record.summary}</h2>
        <dl className="summary-list" data-testid="record-summary">
          {summary.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="record-timeline" className="panel">
        <h2 id="record-timeline">{t.record.timeline}</h2>
        <ol className="timeline" data-testid="record-timeline">
          {detail.events.map((event, index) => {
            const still = event.type === 'still_taken' ? stillOf(event) : undefined;
            return (
              <li key={index} data-event-type={event.type}>
                <time dateTime={event.at}>{t.format.dateTime(event.at)}</time>
                <span className="timeline-type">{t.record.event[event.type] ?? event.type}</span>
                <span className="timeline-actor">
                  {t.record.actor[event.actor.type]}
                  {event.actor.name ? t.format.parenthetical(event.actor.name) : ''}
                </span>
                <span className="timeline-note">{eventNote(t, event, detail)}</span>
                {still ? (
                  <StillThumb still={still} image={images.get(still.id)} label={t.record.openStill} onOpen={() => setOpenStillId(still.id)} />
                ) : event.type === 'still_taken' ? (
                  <span className="hint">{t.record.stillDeleted}</span>
                ) : event.type === 'document_sent' ? (
                  <SentDocumentLink document={documentOf(event, detail)} token={token} />
                ) : event.type === 'form_signed' ? (
                  <SignedFormLink form={formOf(event, detail)} token={token} />
                ) : null}
              </li>
            );
          })}
        </ol>
        <StillLightbox
          still={detail.stills.find((still) => still.id === openStillId) ?? null}
          image={openStillId ? images.get(openStillId) : undefined}
          onClose={() => setOpenStillId(null)}
        />
      </section>
      <section aria-labelledby="record-notes" className="panel">
        <h2 id="record-notes">{t.record.notes}</h2>
        {detail.notes.length === 0 ? (
          <p>{t.record.noNotes}</p>
        ) : (
          <ol className="chat-transcript" data-testid="record-notes">
            {detail.notes.map((note, index) => (
              <li key={index}>
                <span className="chat-meta">
                  {t.format.list([`${note.by.name} ${t.format.dateTime(note.at)}`, ...(note.category ? [note.category] : [])])}
                </span>
                <span>{note.text}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="record-chat" className="panel">
        <h2 id="record-chat">{t.record.chat}</h2>
        {detail.chat.length === 0 ? (
          <p>{t.record.noChat}</p>
        ) : (
          <ol className="chat-transcript">
            {detail.chat.map((message, index) => (
              <li key={index} className={`chat-${message.from}`}>
                <span className="chat-meta">
                  {t.record.from[message.from]} {t.format.dateTime(message.at)}
                </span>
                {message.text === null ? <span className="hint">{t.record.chatNotKept}</span> : <span>{message.text}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

/** The stored copy an event names, if retention has not deleted it. */
function documentOf(event: RecordEvent, detail: RecordDetail): SentDocument | undefined {
  const documentId = (event.data as { documentId?: unknown } | null)?.documentId;
  return detail.documents.find((document) => document.id === documentId);
}

/**
 * A document sent in the consultation: its title and a download (each download is a look the
 * server audits, as stills are). Deleted by retention: said so.
 */
function SentDocumentLink({ document, token }: { document: SentDocument | undefined; token: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  if (!document) return <span className="hint">{t.record.documentDeleted}</span>;
  const open = () =>
    saveFile(token, `/api/documents/sent/${encodeURIComponent(document.id)}`, `${document.title}.${document.mime === 'application/pdf' ? 'pdf' : document.mime === 'image/png' ? 'png' : 'jpg'}`).then(
      () => setFailed(false),
      () => setFailed(true),
    );
  return (
    <span className="record-document">
      <button type="button" className="button" data-testid="record-document-download" data-document-id={document.id} onClick={() => void open()}>
        {t.record.downloadDocument(document.title)}
      </button>
      {failed ? <span className="still-error" role="alert">{t.record.documentDownloadFailed}</span> : null}
    </span>
  );
}

/** Fetch a file with the staff token (the server audits the look) and save it under `name`. */
async function saveFile(token: string, path: string, name: string): Promise<void> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = window.document.createElement('a');
  link.href = url;
  link.download = name;
  window.document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function formOf(event: RecordEvent, detail: RecordDetail): ConsultationForm | undefined {
  const formId = (event.data as { formId?: unknown } | null)?.formId;
  return detail.forms.find((form) => form.id === formId && form.status === 'signed');
}

/** A signed form: its SHA-256 as recorded, and a download of the signed PDF (audited as form.view). */
function SignedFormLink({ form, token }: { form: ConsultationForm | undefined; token: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  if (!form) return <span className="hint">{t.record.documentDeleted}</span>;
  const open = () =>
    saveFile(token, `/api/forms/${encodeURIComponent(form.id)}/signed`, `${form.title}（署名済み）.pdf`).then(
      () => setFailed(false),
      () => setFailed(true),
    );
  return (
    <span className="record-document">
      <code className="hint" data-testid="record-form-sha256">SHA-256 {form.sha256}</code>
      <button type="button" className="button" data-testid="record-form-download" data-form-id={form.id} onClick={() => void open()}>
        {t.record.downloadDocument(form.title)}
      </button>
      {failed ? <span className="still-error" role="alert">{t.record.documentDownloadFailed}</span> : null}
    </span>
  );
}
