import type { DepartmentQueueSummary } from '@madoguchi/protocol';
import { useI18n } from '../i18n/index.ts';
import { useNow } from '../useNow.ts';

/** Waiting residents per department this operator serves: how many, and the longest wait. */
export function QueuePanel({ queues }: { queues: DepartmentQueueSummary[] }) {
  const { t } = useI18n();
  const now = useNow(1000);
  if (queues.length === 0) return null;
  return (
    <section className="queue-panel" aria-labelledby="queue-heading" data-testid="queue-panel">
      <h2 id="queue-heading">{t.queues.heading}</h2>
      <ul className="queue-list">
        {queues.map((queue) => {
          const since = queue.longestWaitingSince ? Date.parse(queue.longestWaitingSince) : null;
          return (
            <li key={queue.department.id} className={`queue-item ${queue.waiting > 0 ? 'queue-item-busy' : ''}`} data-testid={`queue-${queue.department.code}`}>
              <span className="queue-name">{queue.department.name}</span>
              <span className="queue-count" data-testid="queue-waiting">
                {queue.waiting > 0 ? t.queues.waiting(queue.waiting) : t.queues.none}
              </span>
              {since !== null ? (
                <span className="queue-longest">
                  {t.queues.longest} {t.format.duration(now - since)}
                </span>
              ) : null}
              <span className="queue-serving">{t.queues.serving(queue.servingOperators)}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
