import { useEffect, useState } from 'react';
import { ProtocolError, type HelpCall } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { useI18n } from '../i18n/index.ts';
import { useRinger } from '../media/ringer.ts';

/**
 * 職員を呼ぶ on supervisors' and admins' consoles: a banner per tablet that called, on every screen,
 * until someone answers 対応します (which clears it on every console and tells the tablet); a chime
 * when a call arrives.
 */
export function HelpAlerts({ socket }: { socket: ProtocolClient | null }) {
  const { t } = useI18n();
  const [calls, setCalls] = useState<HelpCall[]>([]);
  const [failed, setFailed] = useState(false);
  const ringer = useRinger();

  useEffect(() => {
    if (!socket) return;
    /** Calls already chimed for: the list is pushed again on every press and answer. */
    const announced = new Set<string>();
    return socket.on('help:calls', ({ calls: open }) => {
      if (open.some((call) => !announced.has(call.helpCallId))) ringer.current?.chime();
      announced.clear();
      for (const call of open) announced.add(call.helpCallId);
      setCalls(open);
    });
  }, [socket]);

  const acknowledge = (helpCallId: string) => {
    setFailed(false);
    socket?.request('help:acknowledge', { helpCallId }).catch((error: unknown) => {
      // Answered by a colleague a moment earlier: the list that follows clears it.
      if (!(error instanceof ProtocolError && error.code === 'CONFLICT')) setFailed(true);
    });
  };

  if (calls.length === 0) return null;
  return (
    <section className="help-alerts" aria-label={t.help.title} data-testid="help-alerts">
      {calls.map((call) => (
        <div key={call.helpCallId} className="help-alert" role="alert" data-testid="help-alert" data-site={call.site.name}>
          <p>
            <strong>{t.help.called(call.site.name)}</strong> {t.help.details(call.deviceName, t.format.time(call.requestedAt), call.presses)}
          </p>
          <button type="button" className="button button-primary" onClick={() => acknowledge(call.helpCallId)} data-testid="help-acknowledge">
            {t.help.acknowledge}
          </button>
        </div>
      ))}
      {failed ? <p className="form-error">{t.help.acknowledgeFailed}</p> : null}
    </section>
  );
}
