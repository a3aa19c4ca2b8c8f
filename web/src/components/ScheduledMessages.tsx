import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { useSubmit } from '../lib/submit';
import { ErrorNotice, WordedError } from './Notice';
import { useToast } from './Toasts';

export interface ScheduledMessage {
  id: string;
  customer_id: string;
  text: string;
  send_at: string;
  status: string;
  sent_at: string | null;
  created_by: string | null;
  created_at: string | null;
}

function scheduleErrorText(error: unknown): string | null {
  if (error instanceof ApiError && error.status === 422) return error.message;
  return null;
}

/** On the customer page: WhatsApp messages to send later (sent once at their time), and cancelling one not sent yet. */
export function ScheduledMessages({ customerId, canWrite }: { customerId: string; canWrite: boolean }) {
  const s = he.scheduled;
  const toast = useToast();
  const path = `/api/customers/${encodeURIComponent(customerId)}/scheduled-messages`;
  const [items, setItems] = useState<ScheduledMessage[] | null>(null);
  const [hidden, setHidden] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [text, setText] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const { busy, error, run } = useSubmit();

  const load = useCallback(() => {
    api<{ items: ScheduledMessage[] }>(path).then(
      (r) => setItems(r.items),
      (e) => {
        // WhatsApp off for the business (403) or nothing to show: no section at all.
        if (e instanceof ApiError && (e.status === 403 || e.status === 404)) setHidden(true);
        else setLoadError(e);
      },
    );
  }, [path]);
  useEffect(load, [load]);

  if (hidden) return null;

  function submit(e: FormEvent) {
    e.preventDefault();
    const when = sendAt ? new Date(sendAt) : null;
    const found = !text.trim() || !when || Number.isNaN(when.getTime()) ? s.incomplete : null;
    setProblem(found);
    if (found || !when) return;
    void run(async () => {
      await api(path, { method: 'POST', body: { text, send_at: when.toISOString() } });
      setText('');
      setSendAt('');
      toast(s.scheduled, 'success');
      load();
    });
  }

  function cancel(m: ScheduledMessage) {
    void run(async () => {
      await api(`${path}/${encodeURIComponent(m.id)}`, { method: 'DELETE' });
      toast(s.cancelled, 'success');
      load();
    });
  }

  return (
    <section className="card scheduled-messages" aria-labelledby="scheduled-title">
      <h2 id="scheduled-title">{s.title}</h2>
      {canWrite && (
        <form onSubmit={submit}>
          <fieldset disabled={busy}>
            <label className="field">
              <span>{s.text}</span>
              <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
            </label>
            <label className="field">
              <span>{s.sendAt}</span>
              <input type="datetime-local" dir="ltr" value={sendAt} onChange={(e) => setSendAt(e.target.value)} />
            </label>
            <button type="submit" className="btn btn-primary">
              {s.schedule}
            </button>
          </fieldset>
          {problem && (
            <div className="notice notice-error" role="alert">
              <span>{problem}</span>
            </div>
          )}
          <WordedError error={error} text={scheduleErrorText} />
        </form>
      )}
      {loadError ? (
        <ErrorNotice error={loadError} onRetry={load} />
      ) : items && items.length === 0 ? (
        <p className="muted">{s.none}</p>
      ) : (
        <ul className="scheduled-list">
          {(items ?? []).map((m) => (
            <li key={m.id}>
              <span dir="ltr" className="muted">
                {formatDateTime(m.send_at)}
              </span>{' '}
              <span className={`badge badge-${m.status}`}>{s.status[m.status] ?? m.status}</span>
              <p className="notes">{m.text}</p>
              {canWrite && m.status === 'pending' && (
                <button type="button" className="btn btn-ghost" aria-label={s.cancelOne(formatDateTime(m.send_at))} onClick={() => cancel(m)}>
                  {s.cancel}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
