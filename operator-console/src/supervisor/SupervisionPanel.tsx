import { SupervisionMode, type MediaSource } from '@madoguchi/protocol';
import { RemoteAudio } from '../components/RemoteAudio.tsx';
import { TrackVideo } from '../components/TrackVideo.tsx';
import { useI18n } from '../i18n/index.ts';
import type { Supervision } from './useSupervision.ts';

/** The pictures a supervisor watches, in this order. */
const VIDEOS: { source: MediaSource; testId: string }[] = [
  { source: 'face', testId: 'supervision-face' },
  { source: 'document', testId: 'supervision-document' },
  { source: 'operator-cam', testId: 'supervision-operator-cam' },
];

/**
 * 通話の確認: the call a supervisor monitors, whispers into or joined — its pictures and voices,
 * the three modes, and the way out. Shown over every screen of the console while it lasts, so the
 * voices go on when the supervisor looks at another screen.
 */
export function SupervisionPanel({ supervision }: { supervision: Supervision }) {
  const { t } = useI18n();
  const { view, ended, failed } = supervision;
  const words = t.supervision;
  if (!view) {
    if (failed) return <p className="notice notice-error" role="alert" data-testid="supervision-failed">{words.failed(t.notice.errorCode[failed])}</p>;
    return ended && ended !== 'stopped' ? (
      <p className="notice" role="status" data-testid="supervision-ended">
        {words.ended[ended]}
      </p>
    ) : null;
  }
  const track = (source: MediaSource) => view.remote.filter((media) => media.source === source).at(-1)?.track ?? null;
  return (
    <section className="supervision-panel panel" aria-labelledby="supervision-heading" data-testid="supervision-panel" data-mode={view.mode}>
      <h2 id="supervision-heading">
        {words.title}
        {view.site && view.department ? ` — ${view.site.name}・${view.department.name}` : ''}
      </h2>
      {view.operators.length > 0 ? <p>{t.format.labelled(words.operators, t.format.list(view.operators))}</p> : null}
      <div className="supervision-modes" role="group" aria-label={words.modeLabel}>
        {SupervisionMode.options.map((mode) => (
          <button
            key={mode}
            type="button"
            className={`button ${view.mode === mode ? 'button-primary' : ''}`}
            aria-pressed={view.mode === mode}
            disabled={view.pending}
            data-testid={`supervision-mode-${mode}`}
            onClick={() => supervision.setMode(mode)}
          >
            {words.mode[mode]}
          </button>
        ))}
        <button type="button" className="button button-end" data-testid="supervision-stop" onClick={supervision.stop}>
          {words.stop}
        </button>
      </div>
      <p role="status" data-testid="supervision-explain">
        {view.pending ? words.changing : words.explain[view.mode]}
      </p>
      {view.micMissing && view.mode !== 'monitor' ? (
        <p className="notice notice-error" role="alert">
          {words.micMissing}
        </p>
      ) : null}
      {failed ? (
        <p className="notice notice-error" role="alert">
          {words.failed(t.notice.errorCode[failed])}
        </p>
      ) : null}
      <div className="supervision-videos">
        {VIDEOS.map(({ source, testId }) => (
          <figure key={source}>
            <TrackVideo track={track(source)} testId={testId} label={words.video[source]} placeholder={words.noVideo} />
            <figcaption>{words.video[source]}</figcaption>
          </figure>
        ))}
      </div>
      {view.remote
        .filter((media) => media.kind === 'audio')
        .map((media) => (
          <RemoteAudio key={media.consumerId} track={media.track} />
        ))}
    </section>
  );
}
