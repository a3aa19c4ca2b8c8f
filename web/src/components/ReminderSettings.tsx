import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { useSubmit } from '../lib/submit';
import { Loading, WordedError } from './Notice';
import { useToast } from './Toasts';

export interface ReminderSettingsView {
  enabled: boolean;
  template: string;
  lead_minutes: number[];
  configured: boolean;
  placeholders: string[];
}

function reminderErrorText(error: unknown): string | null {
  if (error instanceof ApiError && error.status === 403) return he.settings.adminOnly;
  if (error instanceof ApiError && error.status === 422) return `${he.reminders.invalid} ${error.message}`;
  return null;
}

/** Hours as typed (e.g. "24", "1.5") → whole minutes. */
const toMinutes = (hours: string) => Math.round(Number(hours) * 60);
const toHours = (minutes: number) => String(Math.round((minutes / 60) * 100) / 100);

/** Settings → WhatsApp appointment reminders: on/off, the Hebrew template, and how long before each appointment. */
export function ReminderSettings({ canEdit }: { canEdit: boolean }) {
  const s = he.reminders;
  const toast = useToast();
  const [view, setView] = useState<ReminderSettingsView | null>(null);
  const [enabled, setEnabled] = useState(false);
  const [template, setTemplate] = useState('');
  const [leads, setLeads] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const { busy, error, run } = useSubmit();

  const show = useCallback((v: ReminderSettingsView) => {
    setView(v);
    setEnabled(v.enabled);
    setTemplate(v.template);
    setLeads(v.lead_minutes.map(toHours));
  }, []);
  useEffect(() => {
    api<ReminderSettingsView>('/api/business/reminders').then(show, setLoadError);
  }, [show]);

  if (!view) {
    return (
      <section className="card" aria-labelledby="reminders-title">
        <h2 id="reminders-title">{s.title}</h2>
        {loadError ? <WordedError error={loadError} text={reminderErrorText} /> : <Loading />}
      </section>
    );
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const minutes = leads.map(toMinutes);
    const found = minutes.length === 0 || minutes.some((m) => !Number.isFinite(m) || m <= 0) ? s.noLeads : null;
    setProblem(found);
    if (found) return;
    void run(async () => {
      show(await api<ReminderSettingsView>('/api/business/reminders', { method: 'PUT', body: { enabled, template, lead_minutes: minutes } }));
      toast(s.saved, 'success');
    });
  }

  return (
    <section className="card" aria-labelledby="reminders-title">
      <h2 id="reminders-title">{s.title}</h2>
      <p className="muted">{s.help}</p>
      <form onSubmit={submit}>
        <fieldset disabled={!canEdit || busy}>
          <label className="field-inline">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            <span>{s.enabled}</span>
          </label>
          <label className="field">
            <span>{s.template}</span>
            <textarea rows={5} value={template} onChange={(e) => setTemplate(e.target.value)} />
          </label>
          <p className="muted reminder-placeholders">
            {s.placeholders}{' '}
            {view.placeholders.map((p) => (
              <span key={p} className="field-inline">
                <code dir="ltr">{p}</code> {s.placeholderNames[p] ?? ''}
              </span>
            ))}
          </p>
          <fieldset className="reminder-leads">
            <legend>{s.leads}</legend>
            {leads.map((h, i) => (
              <span key={i} className="field-inline">
                <input type="number" min={0.25} max={168} step={0.25} dir="ltr" aria-label={s.lead(i + 1)} value={h}
                  onChange={(e) => setLeads(leads.map((x, j) => (j === i ? e.target.value : x)))} />
                <span>{s.hoursBefore}</span>
                <button type="button" className="btn btn-ghost" aria-label={s.removeLead(i + 1)} onClick={() => setLeads(leads.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </span>
            ))}
            {leads.length < 5 && (
              <button type="button" className="btn btn-ghost" onClick={() => setLeads([...leads, '1'])}>
                {s.addLead}
              </button>
            )}
          </fieldset>
          {canEdit && (
            <button type="submit" className="btn btn-primary">
              {s.save}
            </button>
          )}
        </fieldset>
        {problem && (
          <div className="notice notice-error" role="alert">
            <span>{problem}</span>
          </div>
        )}
        <WordedError error={error} text={reminderErrorText} />
      </form>
    </section>
  );
}
