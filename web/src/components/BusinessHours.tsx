import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { useSubmit } from '../lib/submit';
import { Loading, WordedError } from './Notice';
import { useToast } from './Toasts';

const DAY_KEYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface Range {
  from: string;
  to: string;
}
type Havdalah = { kind: 'degrees'; degrees: number } | { kind: 'minutes_after_sunset'; minutes: number };
interface Exception {
  date: string;
  ranges: Range[];
  name?: string | null;
}
export interface HoursSettings {
  city: string;
  weekly: { day: string; ranges: Range[] }[];
  closed_on_shabbat_and_holidays: boolean;
  candle_lighting_minutes: number | null;
  havdalah: Havdalah;
  exceptions: Exception[];
}
interface City {
  key: string;
  name: string;
  candle_lighting_minutes: number;
}
interface HoursView {
  settings: HoursSettings;
  configured: boolean;
  cities: City[];
}
interface Closure {
  start: string;
  end: string;
  kind: string;
  name: string;
}

const minutes = (t: string) => {
  const [h, m] = t.split(':').map(Number);
  return h * 60 + m;
};

/** The first problem of `ranges` in Hebrew (same rules as the server), or null. */
export function rangesProblem(ranges: Range[], day: string): string | null {
  if (ranges.some((r) => !r.from || !r.to || minutes(r.to) <= minutes(r.from))) return he.hours.backwards(day);
  const sorted = [...ranges].sort((a, b) => minutes(a.from) - minutes(b.from));
  for (let i = 1; i < sorted.length; i++) {
    if (minutes(sorted[i].from) < minutes(sorted[i - 1].to)) return he.hours.overlap(day);
  }
  return null;
}

function RangesEditor({ day, ranges, onChange }: { day: string; ranges: Range[]; onChange: (r: Range[]) => void }) {
  const s = he.hours;
  const set = (i: number, patch: Partial<Range>) => onChange(ranges.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="hours-ranges">
      {ranges.length === 0 && <span className="muted">{s.closed}</span>}
      {ranges.map((r, i) => (
        <span key={i} className="field-inline">
          <label>
            {s.from}
            <input type="text" inputMode="numeric" pattern="[0-2][0-9]:[0-5][0-9]" dir="ltr" size={5}
              aria-label={`${day} ${s.from} ${i + 1}`} value={r.from} onChange={(e) => set(i, { from: e.target.value })} />
          </label>
          <label>
            {s.to}
            <input type="text" inputMode="numeric" pattern="[0-2][0-9]:[0-5][0-9]" dir="ltr" size={5}
              aria-label={`${day} ${s.to} ${i + 1}`} value={r.to} onChange={(e) => set(i, { to: e.target.value })} />
          </label>
          <button type="button" className="btn btn-ghost" aria-label={s.removeRange(day, i + 1)} onClick={() => onChange(ranges.filter((_, j) => j !== i))}>
            ✕
          </button>
        </span>
      ))}
      <button type="button" className="btn btn-ghost" aria-label={s.addRange(day)} onClick={() => onChange([...ranges, { from: '09:00', to: '17:00' }])}>
        +
      </button>
    </div>
  );
}

function hoursErrorText(error: unknown): string | null {
  if (error instanceof ApiError && error.status === 403) return he.settings.adminOnly;
  if (error instanceof ApiError && error.status === 422) return `${he.hours.invalid} ${error.message}`;
  return null;
}

/** Settings → opening hours: weekly ranges, city, Shabbat and holidays, one-off dates, and the closures ahead. */
export function BusinessHours({ canEdit }: { canEdit: boolean }) {
  const s = he.hours;
  const toast = useToast();
  const [view, setView] = useState<HoursView | null>(null);
  const [draft, setDraft] = useState<HoursSettings | null>(null);
  const [closures, setClosures] = useState<Closure[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const { busy, error, run } = useSubmit();

  const load = useCallback(() => {
    api<HoursView>('/api/business/hours/settings').then(
      (v) => {
        setView(v);
        setDraft(v.settings);
      },
      setLoadError,
    );
    const to = new Date(Date.now() + 14 * 86400_000).toISOString();
    api<{ closures: Closure[] }>(`/api/business/hours?to=${encodeURIComponent(to)}`).then(
      (c) => setClosures(c.closures),
      () => setClosures([]),
    );
  }, []);
  useEffect(load, [load]);

  if (!view || !draft) {
    return (
      <section className="card" aria-labelledby="hours-title">
        <h2 id="hours-title">{s.title}</h2>
        {loadError ? <WordedError error={loadError} text={hoursErrorText} /> : <Loading />}
      </section>
    );
  }

  const city = view.cities.find((c) => c.key === draft.city);
  const rangesOf = (key: string) => draft.weekly.find((d) => d.day === key)?.ranges ?? [];
  const setDay = (key: string, ranges: Range[]) =>
    setDraft({ ...draft, weekly: [...draft.weekly.filter((d) => d.day !== key), { day: key, ranges }] });
  const setException = (i: number, patch: Partial<Exception>) =>
    setDraft({ ...draft, exceptions: draft.exceptions.map((e, j) => (j === i ? { ...e, ...patch } : e)) });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const dayProblem = DAY_KEYS.map((k, i) => rangesProblem(rangesOf(k), s.days[i])).find(Boolean);
    const exceptionProblem = draft.exceptions.some((x) => !x.date)
      ? s.incomplete
      : draft.exceptions.map((x) => rangesProblem(x.ranges, x.date)).find(Boolean);
    const found = dayProblem ?? exceptionProblem ?? null;
    setProblem(found);
    if (found) return;
    const body = { ...draft, weekly: draft.weekly.filter((d) => d.ranges.length > 0) };
    void run(async () => {
      await api('/api/business/hours/settings', { method: 'PUT', body });
      toast(s.saved, 'success');
      load();
    });
  }

  return (
    <section className="card" aria-labelledby="hours-title">
      <h2 id="hours-title">{s.title}</h2>
      <p className="muted">{s.help}</p>
      <form onSubmit={submit}>
        <fieldset disabled={!canEdit || busy}>
          <label className="field">
            <span>{s.city}</span>
            <select value={draft.city} onChange={(e) => setDraft({ ...draft, city: e.target.value })}>
              {view.cities.map((c) => (
                <option key={c.key} value={c.key}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <table className="hours-table">
            <tbody>
              {DAY_KEYS.map((key, i) => (
                <tr key={key}>
                  <th scope="row">{s.days[i]}</th>
                  <td>
                    <RangesEditor day={s.days[i]} ranges={rangesOf(key)} onChange={(r) => setDay(key, r)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <label className="field-inline">
            <input type="checkbox" checked={draft.closed_on_shabbat_and_holidays}
              onChange={(e) => setDraft({ ...draft, closed_on_shabbat_and_holidays: e.target.checked })} />
            <span>{s.shabbat}</span>
          </label>
          {draft.closed_on_shabbat_and_holidays && (
            <>
              <label className="field">
                <span>{s.candleLighting}</span>
                <input type="number" min={0} max={90} value={draft.candle_lighting_minutes ?? ''}
                  onChange={(e) => setDraft({ ...draft, candle_lighting_minutes: e.target.value === '' ? null : Number(e.target.value) })} />
                {city && <small className="muted">{s.candleLightingHelp(city.name, city.candle_lighting_minutes)}</small>}
              </label>
              <label className="field">
                <span>{s.havdalah}</span>
                <span className="field-inline">
                  <input type="number" step="0.1" min={0} max={120} aria-label={s.havdalah}
                    value={draft.havdalah.kind === 'degrees' ? draft.havdalah.degrees : draft.havdalah.minutes}
                    onChange={(e) => {
                      const n = Number(e.target.value);
                      setDraft({ ...draft, havdalah: draft.havdalah.kind === 'degrees' ? { kind: 'degrees', degrees: n } : { kind: 'minutes_after_sunset', minutes: Math.round(n) } });
                    }} />
                  <select aria-label={`${s.havdalah}: ${s.havdalahDegrees} / ${s.havdalahMinutes}`} value={draft.havdalah.kind}
                    onChange={(e) => setDraft({ ...draft, havdalah: e.target.value === 'degrees' ? { kind: 'degrees', degrees: 8.5 } : { kind: 'minutes_after_sunset', minutes: 42 } })}>
                    <option value="degrees">{s.havdalahDegrees}</option>
                    <option value="minutes_after_sunset">{s.havdalahMinutes}</option>
                  </select>
                </span>
              </label>
            </>
          )}
          <h3>{s.exceptions}</h3>
          <p className="muted">{s.exceptionsHelp}</p>
          {draft.exceptions.map((x, i) => (
            <div key={i} className="field-inline hours-exception">
              <input type="date" aria-label={`${s.exceptionDate} ${i + 1}`} value={x.date} onChange={(e) => setException(i, { date: e.target.value })} />
              <input type="text" aria-label={`${s.exceptionName} ${i + 1}`} placeholder={s.exceptionName} value={x.name ?? ''}
                onChange={(e) => setException(i, { name: e.target.value || null })} />
              <RangesEditor day={x.date || String(i + 1)} ranges={x.ranges} onChange={(r) => setException(i, { ranges: r })} />
              <button type="button" className="btn btn-ghost" aria-label={s.removeException(x.date)}
                onClick={() => setDraft({ ...draft, exceptions: draft.exceptions.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" className="btn btn-ghost" onClick={() => setDraft({ ...draft, exceptions: [...draft.exceptions, { date: '', ranges: [], name: null }] })}>
            {s.addException}
          </button>
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
        <WordedError error={error} text={hoursErrorText} />
      </form>
      <h3>{s.upcoming}</h3>
      {closures.length === 0 ? (
        <p className="muted">{s.noUpcoming}</p>
      ) : (
        <ul className="hours-closures">
          {closures.map((c) => (
            <li key={c.start}>
              <strong>{c.name}</strong> <span dir="ltr">{formatDateTime(c.start)} – {formatDateTime(c.end)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
