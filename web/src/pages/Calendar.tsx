import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { he } from '../strings';
import { api } from '../lib/api';
import { useFeature } from '../lib/business';
import { useCustomerNames } from '../lib/customers';
import { useMediaQuery } from '../lib/media';
import {
  byDay, dayKey, longDate, monthGrid, parseDayKey, rangeTitle, sameDay, shortDate, startOfDay, step,
  timeOfDay, viewRange, weekDays, weekdayName, type CalendarView,
} from '../lib/calendar';
import type { Appointment, AppointmentRange, Page, Task } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { AppointmentModal } from '../components/AppointmentModal';

/** The hours the week view shows as rows; earlier and later appointments sit in the first and last. */
export const FIRST_HOUR = 7;
export const LAST_HOUR = 20;
const HOURS = Array.from({ length: LAST_HOUR - FIRST_HOUR + 1 }, (_, i) => FIRST_HOUR + i);
const MONTH_ITEMS = 3;

interface Data {
  appointments: Appointment[];
  tasks: Task[];
}

/** The row of the week view an appointment starting at `d` belongs to. */
export function hourRow(d: Date): number {
  return Math.min(LAST_HOUR, Math.max(FIRST_HOUR, d.getHours()));
}

export function CalendarPage() {
  const enabled = useFeature('calendar_enabled');
  if (!enabled) {
    return (
      <main className="page">
        <h1>{he.calendar.title}</h1>
        <div className="notice notice-warning" role="alert">
          <span>{he.calendar.off}</span>
          <Link to="/settings">{he.calendar.toSettings}</Link>
        </div>
      </main>
    );
  }
  return <Calendar />;
}

function Calendar() {
  const [params, setParams] = useSearchParams();
  const view: CalendarView = params.get('view') === 'month' ? 'month' : 'week';
  const dateParam = params.get('date');
  const anchor = useMemo(() => parseDayKey(dateParam) ?? startOfDay(new Date()), [dateParam]);
  const narrow = useMediaQuery('(max-width: 40rem)');
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState<Date | null>(null);
  const [editing, setEditing] = useState<Appointment | null>(null);
  const { from, to } = useMemo(() => viewRange(view, anchor), [view, anchor]);

  const load = useCallback(async () => {
    setError(null);
    const range = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    const due = new URLSearchParams({ due_after: from.toISOString(), due_before: to.toISOString(), limit: '100', sort: 'due_at' });
    try {
      const [appointments, tasks] = await Promise.all([
        api<AppointmentRange>(`/api/appointments?${range}`),
        // Tasks belong to the CRM: when it is off the calendar still shows the appointments.
        api<Page<Task>>(`/api/tasks?${due}`).catch(() => null),
      ]);
      setData({ appointments: appointments.items, tasks: tasks?.items ?? [] });
    } catch (e) {
      setError(e);
    }
  }, [from, to]);

  useEffect(() => {
    void load();
  }, [load]);

  function go(next: { view?: CalendarView; date?: Date | null }) {
    const p = new URLSearchParams(params);
    const v = next.view ?? view;
    if (v === 'month') p.set('view', 'month');
    else p.delete('view');
    if (next.date === null) p.delete('date');
    else p.set('date', dayKey(next.date ?? anchor));
    setParams(p);
  }

  const appointmentsByDay = useMemo(() => byDay(data?.appointments ?? [], (a) => a.starts_at), [data]);
  const tasksByDay = useMemo(() => byDay(data?.tasks ?? [], (t) => t.due_at), [data]);
  const names = useCustomerNames(data?.appointments.map((a) => a.customer_id) ?? []);

  /** A new appointment on `day` at `hour` (default: the next whole hour today, else 09:00). */
  function openAt(day: Date, hour?: number) {
    const now = new Date();
    const h = hour ?? (sameDay(day, now) ? Math.min(23, now.getHours() + 1) : 9);
    setCreating(new Date(day.getFullYear(), day.getMonth(), day.getDate(), h));
  }

  const days = weekDays(anchor);
  return (
    <main className="page calendar-page">
      <div className="page-header">
        <h1>{he.calendar.title}</h1>
        <button type="button" className="btn btn-primary" onClick={() => openAt(startOfDay(new Date()))}>
          {he.calendar.newAppointment}
        </button>
      </div>
      <div className="calendar-toolbar">
        <nav className="calendar-nav" aria-label={he.calendar.navigation}>
          <button type="button" className="btn btn-ghost" onClick={() => go({ date: step(view, anchor, -1) })}>
            <span aria-hidden="true">→ </span>
            {he.calendar.prev}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => go({ date: null })}>
            {he.calendar.today}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => go({ date: step(view, anchor, 1) })}>
            {he.calendar.next}
            <span aria-hidden="true"> ←</span>
          </button>
        </nav>
        <h2 className="calendar-title" aria-live="polite">
          {rangeTitle(view, anchor)}
        </h2>
        <div className="segmented" role="group" aria-label={he.calendar.view}>
          {(['week', 'month'] as const).map((v) => (
            <button key={v} type="button" className="btn btn-ghost" aria-pressed={view === v} onClick={() => go({ view: v })}>
              {he.calendar[v]}
            </button>
          ))}
        </div>
      </div>
      {error ? <ErrorNotice error={error} onRetry={load} /> : null}
      {!data && !error ? <Loading /> : null}
      {data && view === 'week' && narrow && (
        <DayList days={days} appointments={appointmentsByDay} tasks={tasksByDay} names={names} onAdd={openAt} onOpen={setEditing} />
      )}
      {data && view === 'week' && !narrow && (
        <WeekGrid days={days} appointments={appointmentsByDay} tasks={tasksByDay} names={names} onAdd={openAt} onOpen={setEditing} />
      )}
      {data && view === 'month' && (
        <MonthGrid anchor={anchor} appointments={appointmentsByDay} tasks={tasksByDay} onAdd={openAt} onOpen={setEditing} />
      )}
      {(creating || editing) && (
        <AppointmentModal
          key={editing?.id ?? 'new'}
          start={creating ?? new Date()}
          appointment={editing ?? undefined}
          onClose={() => {
            setCreating(null);
            setEditing(null);
          }}
          onSaved={() => {
            setCreating(null);
            setEditing(null);
            void load();
          }}
        />
      )}
    </main>
  );
}

interface ViewProps {
  appointments: Map<string, Appointment[]>;
  tasks: Map<string, Task[]>;
  onAdd: (day: Date, hour?: number) => void;
  onOpen: (a: Appointment) => void;
}

/** An appointment; click (or Enter) opens it to change or delete. */
function AppointmentChip({ a, customer, onOpen }: { a: Appointment; customer?: string; onOpen: (a: Appointment) => void }) {
  return (
    <button
      type="button"
      className="event event-button"
      title={a.notes || undefined}
      onClick={(e) => {
        e.stopPropagation();
        onOpen(a);
      }}
    >
      {a.starts_at && <time dateTime={a.starts_at}>{timeOfDay(a.starts_at)}</time>}
      <span className="event-title">{a.title}</span>
      {customer && <span className="event-customer">{customer}</span>}
    </button>
  );
}

function TaskChip({ t }: { t: Task }) {
  const title = (
    <>
      <span className="visually-hidden">{he.calendar.task}: </span>
      {t.due_at && <time dateTime={t.due_at}>{timeOfDay(t.due_at)}</time>}
      <span className="event-title">{t.title}</span>
    </>
  );
  return (
    <div className={t.done ? 'event event-task done' : 'event event-task'}>
      {t.customer_id ? <Link to={`/crm/customers/${t.customer_id}`}>{title}</Link> : title}
    </div>
  );
}

/** The week as a grid of hour slots: click (or Enter on) an empty slot to book it. */
function WeekGrid({ days, appointments, tasks, names, onAdd, onOpen }: ViewProps & { days: Date[]; names: Record<string, string> }) {
  const today = new Date();
  return (
    <div className="week-grid">
      <div className="week-row week-head">
        <span />
        {days.map((d) => (
          <div key={dayKey(d)} className={sameDay(d, today) ? 'day-head today' : 'day-head'}>
            <span className="day-name">{weekdayName(d)}</span>
            <span className="day-date">{shortDate(d)}</span>
          </div>
        ))}
      </div>
      <div className="week-row week-tasks">
        <span className="hour muted">{he.calendar.tasksOfDay}</span>
        {days.map((d) => (
          <div key={dayKey(d)} className="slot-tasks" data-day={dayKey(d)}>
            {(tasks.get(dayKey(d)) ?? []).map((t) => (
              <TaskChip key={t.id} t={t} />
            ))}
          </div>
        ))}
      </div>
      {HOURS.map((h) => (
        <div key={h} className="week-row">
          <span className="hour muted">{`${String(h).padStart(2, '0')}:00`}</span>
          {days.map((d) => {
            const here = (appointments.get(dayKey(d)) ?? []).filter((a) => hourRow(new Date(a.starts_at!)) === h);
            const at = `${String(h).padStart(2, '0')}:00`;
            return (
              <div key={dayKey(d)} className="slot" data-day={dayKey(d)} data-hour={h}>
                <button type="button" className="slot-add" aria-label={he.calendar.addAt(longDate(d), at)} onClick={() => onAdd(d, h)} />
                {here.map((a) => (
                  <AppointmentChip key={a.id} a={a} customer={a.customer_id ? names[a.customer_id] : undefined} onOpen={onOpen} />
                ))}
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}

/** The week as a list of days, for narrow screens. */
function DayList({ days, appointments, tasks, names, onAdd, onOpen }: ViewProps & { days: Date[]; names: Record<string, string> }) {
  const today = new Date();
  return (
    <ol className="day-list">
      {days.map((d) => {
        const key = dayKey(d);
        const dayAppointments = appointments.get(key) ?? [];
        const dayTasks = tasks.get(key) ?? [];
        return (
          <li key={key} className={sameDay(d, today) ? 'card day today' : 'card day'} data-day={key}>
            <div className="day-header">
              <h3>{longDate(d)}</h3>
              <button type="button" className="btn btn-ghost" aria-label={he.calendar.addOn(longDate(d))} onClick={() => onAdd(d)}>
                + {he.calendar.newAppointment}
              </button>
            </div>
            {dayAppointments.length === 0 && dayTasks.length === 0 ? (
              <p className="muted">{he.calendar.nothingToday}</p>
            ) : (
              <div className="day-items">
                {dayAppointments.map((a) => (
                  <AppointmentChip key={a.id} a={a} customer={a.customer_id ? names[a.customer_id] : undefined} onOpen={onOpen} />
                ))}
                {dayTasks.map((t) => (
                  <TaskChip key={t.id} t={t} />
                ))}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** The month: weeks from Sunday, days of other months dimmed; click a day to book it. */
function MonthGrid({ anchor, appointments, tasks, onAdd, onOpen }: ViewProps & { anchor: Date }) {
  const today = new Date();
  const weeks = monthGrid(anchor);
  return (
    <div className="month-grid">
      <div className="month-row month-head">
        {weeks[0].map((d) => (
          <span key={d.getDay()} className="day-name">
            <span aria-hidden="true">{weekdayName(d, 'narrow')}</span>
            <span className="visually-hidden">{weekdayName(d)}</span>
          </span>
        ))}
      </div>
      {weeks.map((week) => (
        <div key={dayKey(week[0])} className="month-row">
          {week.map((d) => {
            const key = dayKey(d);
            const items = [
              ...(appointments.get(key) ?? []).map((a) => ({ id: a.id, time: a.starts_at, title: a.title, appointment: a })),
              ...(tasks.get(key) ?? []).map((t) => ({ id: t.id, time: t.due_at, title: t.title, appointment: null })),
            ];
            const cls = ['month-day', d.getMonth() !== anchor.getMonth() ? 'other-month' : '', sameDay(d, today) ? 'today' : '']
              .filter(Boolean)
              .join(' ');
            return (
              <div key={key} className={cls} data-day={key} onClick={() => onAdd(d)}>
                <button
                  type="button"
                  className="day-number"
                  aria-label={he.calendar.addOn(longDate(d))}
                  onClick={(e) => {
                    e.stopPropagation();
                    onAdd(d);
                  }}
                >
                  {d.getDate()}
                </button>
                <ul className="month-items">
                  {items.slice(0, MONTH_ITEMS).map((it) =>
                    it.appointment ? (
                      <li key={it.id}>
                        <button
                          type="button"
                          className="event event-button"
                          title={it.title}
                          onClick={(e) => {
                            e.stopPropagation();
                            onOpen(it.appointment);
                          }}
                        >
                          {it.time && <time dateTime={it.time}>{timeOfDay(it.time)}</time>} {it.title}
                        </button>
                      </li>
                    ) : (
                      <li key={it.id} className="event event-task" title={it.title}>
                        <span className="visually-hidden">{he.calendar.task}: </span>
                        {it.time && <time dateTime={it.time}>{timeOfDay(it.time)}</time>} {it.title}
                      </li>
                    ),
                  )}
                  {items.length > MONTH_ITEMS && <li className="muted">{he.calendar.more(items.length - MONTH_ITEMS)}</li>}
                </ul>
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}
