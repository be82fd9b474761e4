import { OUTCOME_LABELS, RecordDetail, type RecordEvent } from '@madoguchi/protocol';
import { formatDateTime, formatSeconds, strings } from '../strings.ts';
import { request } from '../api.ts';
import { useLoad } from './useLoad.ts';

interface RecordDetailScreenProps {
  token: string;
  id: string;
  onBack(): void;
  onUnauthorized(): void;
}

/** What an event says beyond its type, in words (the raw data stays in the API for other uses). */
function eventNote(event: RecordEvent, detail: RecordDetail): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.type === 'rated' && typeof data.score === 'number') return strings.records.score(data.score);
  if (event.type === 'chat' && typeof data.text === 'string') return data.text;
  if (event.type === 'media_quality' && Array.isArray(data.streams)) {
    return (data.streams as Array<{ source: string; averageKbps: number; maxLossPercent: number; averageRttMs: number | null }>)
      .map((stream) => strings.record.quality(strings.record.source[stream.source] ?? stream.source, stream.averageKbps, stream.maxLossPercent, stream.averageRttMs))
      .join(' / ');
  }
  if (event.type === 'note') return [data.category, data.text].filter((part) => typeof part === 'string' && part).join('・');
  const department = detail.departmentsServed.find((d) => Object.values(data).includes(d.id));
  const staff = detail.operatorsInvolved.find((s) => Object.values(data).includes(s.id));
  return [department?.name, staff?.name].filter(Boolean).join('・');
}

export function RecordDetailScreen({ token, id, onBack, onUnauthorized }: RecordDetailScreenProps) {
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
        ← {strings.record.back}
      </a>
      <h1 id="record-heading">{strings.record.title}</h1>
      {record.status === 'loading' ? <p role="status">{strings.supervisor.loading}</p> : null}
      {record.status === 'error' ? (
        <p role="alert" className="form-error">
          {record.httpStatus === 404 ? strings.record.notFound : strings.supervisor.loadFailed}
        </p>
      ) : null}
      {record.status === 'ready' ? <RecordView detail={record.data} /> : null}
    </section>
  );
}

function RecordView({ detail }: { detail: RecordDetail }) {
  const summary: [string, string][] = [
    [strings.records.column.requestedAt, formatDateTime(detail.requestedAt)],
    [strings.record.answeredAt, detail.answeredAt ? formatDateTime(detail.answeredAt) : '—'],
    [strings.record.endedAt, detail.endedAt ? formatDateTime(detail.endedAt) : '—'],
    [strings.records.column.site, detail.site.name],
    [strings.record.device, detail.device.name],
    [strings.records.column.department, detail.department.name],
    [strings.record.departmentsServed, detail.departmentsServed.map((d) => d.name).join('・')],
    [strings.records.column.operator, detail.operator?.name ?? '—'],
    [strings.record.operatorsInvolved, detail.operatorsInvolved.map((s) => s.name).join('・') || '—'],
    [strings.records.column.wait, formatSeconds(detail.waitSeconds)],
    [strings.records.column.talk, formatSeconds(detail.talkSeconds)],
    [strings.records.column.outcome, detail.outcome ? OUTCOME_LABELS[detail.outcome] : strings.records.inProgress],
    [strings.record.endedBy, detail.endedBy ? strings.record.endedByValue[detail.endedBy] : '—'],
    [strings.records.column.satisfaction, detail.satisfaction ? strings.records.score(detail.satisfaction) : strings.records.notRated],
    [strings.record.comment, detail.satisfactionComment ?? '—'],
    [strings.record.id, detail.id],
  ];
  return (
    <div className="record-columns">
      <section aria-labelledby="record-summary" className="panel">
        <h2 id="record-summary">{strings.record.summary}</h2>
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
        <h2 id="record-timeline">{strings.record.timeline}</h2>
        <ol className="timeline" data-testid="record-timeline">
          {detail.events.map((event, index) => (
            <li key={index} data-event-type={event.type}>
              <time dateTime={event.at}>{formatDateTime(event.at)}</time>
              <span className="timeline-type">{strings.record.event[event.type] ?? event.type}</span>
              <span className="timeline-actor">
                {strings.record.actor[event.actor.type]}
                {event.actor.name ? `（${event.actor.name}）` : ''}
              </span>
              <span className="timeline-note">{eventNote(event, detail)}</span>
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="record-notes" className="panel">
        <h2 id="record-notes">{strings.record.notes}</h2>
        {detail.notes.length === 0 ? (
          <p>{strings.record.noNotes}</p>
        ) : (
          <ol className="chat-transcript" data-testid="record-notes">
            {detail.notes.map((note, index) => (
              <li key={index}>
                <span className="chat-meta">
                  {note.by.name} {formatDateTime(note.at)}
                  {note.category ? `・${note.category}` : ''}
                </span>
                <span>{note.text}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="record-chat" className="panel">
        <h2 id="record-chat">{strings.record.chat}</h2>
        {detail.chat.length === 0 ? (
          <p>{strings.record.noChat}</p>
        ) : (
          <ol className="chat-transcript">
            {detail.chat.map((message, index) => (
              <li key={index} className={`chat-${message.from}`}>
                <span className="chat-meta">
                  {strings.record.from[message.from]} {formatDateTime(message.at)}
                </span>
                <span>{message.text}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
