import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { he } from '../strings';
import { api } from '../lib/api';
import { subscribe, type LiveEvent } from '../lib/socket';
import { formatDayTime, formatPhone, formatTime } from '../lib/format';
import { longDate } from '../lib/calendar';
import { useFeature } from '../lib/business';
import type { Today, TodayCall } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';

/** The live events after which the day looks different. */
const RELOAD_ON: LiveEvent[] = ['call:incoming', 'call:completed', 'inbox:updated', 'task:due', 'customer:changed'];
/** Events come in bursts (a call's status, its conversation): one reload per burst. */
const LIVE_DEBOUNCE_MS = 400;
/** Tasks and appointments others add do not announce themselves, and the day ends: read it
 *  again now and then. */
const REFRESH_MS = 5 * 60 * 1000;

const CALL_FILTERS = ['all', 'answered', 'missed', 'callback'] as const;
type CallFilter = (typeof CALL_FILTERS)[number];

function matches(c: TodayCall, f: CallFilter): boolean {
  if (f === 'callback') return c.needs_callback;
  if (f === 'all') return true;
  return c.outcome === f;
}

/** `/`: the staff's day, Israel time. Every item opens its customer. */
export function TodayPage() {
  const [day, setDay] = useState<Today | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [filter, setFilter] = useState<CallFilter>('all');
  const calendar = useFeature('calendar_enabled');
  const t = he.today;

  const load = useCallback(async () => {
    try {
      setDay(await api<Today>('/api/today'));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribe((event) => {
      if (!RELOAD_ON.includes(event)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void latest.current(), LIVE_DEBOUNCE_MS);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, []);

  if (error && !day) {
    return (
      <main className="page">
        <h1>{t.title}</h1>
        <ErrorNotice error={error} onRetry={() => void load()} />
      </main>
    );
  }
  if (!day) {
    return (
      <main className="page">
        <h1>{t.title}</h1>
        <Loading />
      </main>
    );
  }
  const calls = day.calls.filter((c) => matches(c, filter));
  const date = new Date(`${day.date}T12:00:00`);
  return (
    <main className="page today">
      <div className="page-header">
        <h1>{t.title}</h1>
        <span className="muted">{Number.isNaN(date.getTime()) ? day.date : longDate(date)}</span>
      </div>
      {error ? <ErrorNotice error={error} onRetry={() => void load()} /> : null}
      <dl className="stats today-stats" aria-label={t.summary}>
        <Stat label={t.answered} value={day.calls_answered} />
        <Stat label={t.missed} value={day.calls_missed} />
        <Stat label={t.toCallBack} value={day.calls_to_call_back} tone={day.calls_to_call_back > 0 ? 'warning' : undefined} />
        <Stat label={t.waitingCount} value={day.waiting.length} tone={day.waiting.length > 0 ? 'warning' : undefined} />
        <Stat label={t.tasksCount} value={day.tasks.length} />
        {calendar && <Stat label={t.appointmentsCount} value={day.appointments.length} />}
      </dl>
      <div className="today-grid">
        <Section id="today-calls" title={t.calls}>
          <div className="filters" role="group" aria-label={t.callsFilter}>
            {CALL_FILTERS.map((f) => (
              <button key={f} type="button" className={`btn ${filter === f ? 'btn-primary' : 'btn-ghost'}`} aria-pressed={filter === f} onClick={() => setFilter(f)}>
                {t.callFilter[f]}
              </button>
            ))}
          </div>
          {calls.length === 0 ? (
            <p className="empty">{day.calls.length === 0 ? t.noCalls : t.noCallsMatch}</p>
          ) : (
            <ul className="today-list">
              {calls.map((c) => (
                <CallRow key={c.call?.id} c={c} />
              ))}
            </ul>
          )}
        </Section>
        <Section id="today-waiting" title={t.waiting}>
          {day.waiting.length === 0 ? (
            <p className="empty">{t.noWaiting}</p>
          ) : (
            <ul className="today-list">
              {day.waiting.map((w) => (
                <li key={w.id}>
                  <Item to={w.customer_id ? `/crm/customers/${w.customer_id}` : `/inbox/${w.id}`}>
                    <span className="today-who">{w.customer_name ?? (formatPhone(w.counterpart) || t.unknownCaller)}</span>
                    <span className="badge">{he.inbox.channel[w.channel] ?? w.channel}</span>
                    <span className="today-time muted">{w.last_activity_at ? formatTime(w.last_activity_at) : ''}</span>
                    <span className="today-detail muted">{w.last_preview}</span>
                  </Item>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section id="today-tasks" title={t.tasks}>
          {day.tasks.length === 0 ? (
            <p className="empty">{t.noTasks}</p>
          ) : (
            <ul className="today-list">
              {day.tasks.map(({ task, customer_name, overdue }) =>
                task ? (
                  <li key={task.id}>
                    <Item to={task.customer_id ? `/crm/customers/${task.customer_id}` : null}>
                      <span className="today-who">{task.title}</span>
                      {overdue && <span className="badge badge-overdue">{t.overdue}</span>}
                      <span className="today-time muted">{task.due_at ? (overdue ? formatDayTime(task.due_at) : t.dueAt(formatTime(task.due_at))) : ''}</span>
                      {customer_name && <span className="today-detail muted">{customer_name}</span>}
                    </Item>
                  </li>
                ) : null,
              )}
            </ul>
          )}
        </Section>
        {calendar && (
          <Section id="today-appointments" title={t.appointments}>
            {day.appointments.length === 0 ? (
              <p className="empty">{t.noAppointments}</p>
            ) : (
              <ul className="today-list">
                {day.appointments.map(({ appointment: a, customer_name }) =>
                  a ? (
                    <li key={a.id}>
                      <Item to={a.customer_id ? `/crm/customers/${a.customer_id}` : `/calendar`}>
                        <span className="today-who">{a.title}</span>
                        <span className="today-time muted" dir="ltr">
                          {a.starts_at ? formatTime(a.starts_at) : ''}–{a.ends_at ? formatTime(a.ends_at) : ''}
                        </span>
                        {customer_name && <span className="today-detail muted">{customer_name}</span>}
                      </Item>
                    </li>
                  ) : null,
                )}
              </ul>
            )}
          </Section>
        )}
      </div>
      <p className="muted today-live">{t.updatedLive}</p>
    </main>
  );
}

function Stat({ label, value, tone }: { label: string; value: number; tone?: 'warning' }) {
  return (
    <div className={`card stat ${tone ? `stat-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>{value.toLocaleString('he-IL')}</dd>
    </div>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card today-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** A row that opens `to` (its customer), or plain when there is nothing to open. */
function Item({ to, children }: { to: string | null; children: ReactNode }) {
  if (!to) return <div className="today-item">{children}</div>;
  return (
    <Link to={to} className="today-item">
      {children}
    </Link>
  );
}

function CallRow({ c }: { c: TodayCall }) {
  const t = he.today;
  const call = c.call;
  if (!call) return null;
  const outbound = call.direction.startsWith('outbound');
  const number = outbound ? call.to_number : call.from_number;
  const who = c.customer_name ?? (formatPhone(number) || t.unknownCaller);
  return (
    <li>
      <Item to={call.customer_id ? `/crm/customers/${call.customer_id}` : null}>
        <span className="today-who">{who}</span>
        <span className={`badge badge-call-${c.outcome}`}>{t.outcome[c.outcome] ?? c.outcome}</span>
        {c.needs_callback && <span className="badge badge-callback">{t.callBack}</span>}
        <span className="today-time muted">{call.started_at ? formatTime(call.started_at) : ''}</span>
        <span className="today-detail muted">
          {outbound ? t.outbound : t.inbound}
          {c.customer_name && number ? (
            <>
              {' · '}
              <span className="phone" dir="ltr">
                {formatPhone(number)}
              </span>
            </>
          ) : null}
          {c.follow_up_question ? ` · ${t.followUp(c.follow_up_question)}` : ''}
        </span>
      </Item>
    </li>
  );
}
