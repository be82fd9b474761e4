import type { DepartmentQueueSummary } from '@madoguchi/protocol';
import { formatWait, strings } from '../strings.ts';
import { useNow } from '../useNow.ts';

/** Waiting residents per department this operator serves: how many, and the longest wait. */
export function QueuePanel({ queues }: { queues: DepartmentQueueSummary[] }) {
  const now = useNow(1000);
  if (queues.length === 0) return null;
  return (
    <section className="queue-panel" aria-labelledby="queue-heading" data-testid="queue-panel">
      <h2 id="queue-heading">{strings.queues.heading}</h2>
      <ul className="queue-list">
        {queues.map((queue) => {
          const since = queue.longestWaitingSince ? Date.parse(queue.longestWaitingSince) : null;
          return (
            <li key={queue.department.id} className={`queue-item ${queue.waiting > 0 ? 'queue-item-busy' : ''}`} data-testid={`queue-${queue.department.code}`}>
              <span className="queue-name">{queue.department.name}</span>
              <span className="queue-count" data-testid="queue-waiting">
                {queue.waiting > 0 ? strings.queues.waiting(queue.waiting) : strings.queues.none}
              </span>
              {since !== null ? (
                <span className="queue-longest">
                  {strings.queues.longest} {formatWait(now - since)}
                </span>
              ) : null}
              <span className="queue-serving">{strings.queues.serving(queue.servingOperators)}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
