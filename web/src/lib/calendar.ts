// Calendar date math, in the browser's local time. Weeks start on Sunday, as in Israel.

const LOCALE = 'he-IL';

export type CalendarView = 'week' | 'month';

/** Midnight (local) of `d`'s day. */
export function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** `d` plus `n` calendar days (midnight-safe across daylight-saving changes). */
export function addDays(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes());
}

/** The first day of the month `n` months after `d`'s. */
export function addMonths(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth() + n, 1);
}

/** The Sunday (midnight) that starts `d`'s week. */
export function startOfWeek(d: Date): Date {
  const day = startOfDay(d);
  return addDays(day, -day.getDay());
}

/** The seven days (Sunday to Saturday) of `d`'s week. */
export function weekDays(d: Date): Date[] {
  const first = startOfWeek(d);
  return Array.from({ length: 7 }, (_, i) => addDays(first, i));
}

/** The weeks (Sunday to Saturday) that cover `d`'s month: 4 to 6 rows of 7 days. */
export function monthGrid(d: Date): Date[][] {
  const first = new Date(d.getFullYear(), d.getMonth(), 1);
  const last = new Date(d.getFullYear(), d.getMonth() + 1, 0);
  const weeks: Date[][] = [];
  for (let start = startOfWeek(first); start <= last; start = addDays(start, 7)) {
    weeks.push(Array.from({ length: 7 }, (_, i) => addDays(start, i)));
  }
  return weeks;
}

/** The range a view shows, `[from, to)`: the week, or every day of the month grid. */
export function viewRange(view: CalendarView, anchor: Date): { from: Date; to: Date } {
  if (view === 'week') {
    const from = startOfWeek(anchor);
    return { from, to: addDays(from, 7) };
  }
  const weeks = monthGrid(anchor);
  return { from: weeks[0][0], to: addDays(weeks[weeks.length - 1][6], 1) };
}

/** The anchor of the previous (`-1`) or next (`1`) week or month. */
export function step(view: CalendarView, anchor: Date, direction: -1 | 1): Date {
  return view === 'week' ? addDays(startOfWeek(anchor), 7 * direction) : addMonths(anchor, direction);
}

/** `YYYY-MM-DD` of the local day: a key for grouping and for the URL. */
export function dayKey(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The local day a `YYYY-MM-DD` key names, or `null`. */
export function parseDayKey(key: string | null): Date | null {
  const m = key ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : null;
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) || dayKey(d) !== key ? null : d;
}

export function sameDay(a: Date, b: Date): boolean {
  return dayKey(a) === dayKey(b);
}

/** Items grouped by the local day of their time (`at`), each day's sorted by time; items
 *  without a valid time are left out. */
export function byDay<T>(items: T[], at: (item: T) => string | null | undefined): Map<string, T[]> {
  const days = new Map<string, { t: number; item: T }[]>();
  for (const item of items) {
    const value = at(item);
    const d = value ? new Date(value) : null;
    if (!d || Number.isNaN(d.getTime())) continue;
    const key = dayKey(d);
    const list = days.get(key) ?? [];
    list.push({ t: d.getTime(), item });
    days.set(key, list);
  }
  const out = new Map<string, T[]>();
  for (const [key, list] of days) out.set(key, list.sort((a, b) => a.t - b.t).map((x) => x.item));
  return out;
}

/** The value of an `<input type="datetime-local">` for a local time. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${dayKey(d)}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A `datetime-local` value as a time, or `null` when empty or invalid. */
export function fromLocalInput(value: string): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "יום ראשון" / "א׳" style day names. */
export function weekdayName(d: Date, width: 'long' | 'short' | 'narrow' = 'long'): string {
  return new Intl.DateTimeFormat(LOCALE, { weekday: width }).format(d);
}

/** "22.11" */
export function shortDate(d: Date): string {
  return new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'numeric' }).format(d);
}

/** "יום ראשון, 22 בנובמבר" */
export function longDate(d: Date): string {
  return new Intl.DateTimeFormat(LOCALE, { weekday: 'long', day: 'numeric', month: 'long' }).format(d);
}

/** "09:30" in local time. */
export function timeOfDay(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  return new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}

/** The heading of a view: "נובמבר 2026", or the week's range "22–28 בנובמבר 2026". */
export function rangeTitle(view: CalendarView, anchor: Date): string {
  if (view === 'month') return new Intl.DateTimeFormat(LOCALE, { month: 'long', year: 'numeric' }).format(anchor);
  const days = weekDays(anchor);
  return new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'long', year: 'numeric' }).formatRange(days[0], days[6]);
}
