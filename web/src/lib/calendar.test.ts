import { describe, expect, it } from 'vitest';
import {
  addDays, byDay, dayKey, fromLocalInput, monthGrid, parseDayKey, rangeTitle, startOfWeek, step, toLocalInput, viewRange,
  weekDays, weekdayName,
} from './calendar';

// Local-time dates: the math must hold in any time zone the browser is in.
const d = (y: number, m: number, day: number, h = 0, min = 0) => new Date(y, m - 1, day, h, min);

describe('weeks start on Sunday', () => {
  it('finds the Sunday of any day of the week', () => {
    // 22.11.2026 is a Sunday, 28.11.2026 a Saturday.
    for (let day = 22; day <= 28; day++) expect(dayKey(startOfWeek(d(2026, 11, day, 15, 30)))).toBe('2026-11-22');
    expect(dayKey(startOfWeek(d(2026, 11, 29)))).toBe('2026-11-29');
    // Across a month and a year.
    expect(dayKey(startOfWeek(d(2027, 1, 1)))).toBe('2026-12-27');
  });

  it('lists Sunday to Saturday, named in Hebrew', () => {
    const days = weekDays(d(2026, 11, 25));
    expect(days.map(dayKey)).toEqual([
      '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28',
    ]);
    expect(days.map((x) => x.getDay())).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(weekdayName(days[0])).toBe('יום ראשון');
    expect(weekdayName(days[6])).toBe('יום שבת');
  });

  it('keeps whole days across the daylight-saving change', () => {
    // Israel moves the clock on the last Sunday of October; local dates must not drift.
    const days = weekDays(d(2026, 10, 27));
    expect(days.map((x) => x.getDate())).toEqual([25, 26, 27, 28, 29, 30, 31]);
    expect(days.every((x) => x.getHours() === 0)).toBe(true);
  });
});

describe('month grid', () => {
  it('covers the month in whole Sunday-to-Saturday weeks', () => {
    const weeks = monthGrid(d(2026, 11, 24));
    // November 2026: the 1st is a Sunday, the 30th a Monday → 5 rows.
    expect(weeks).toHaveLength(5);
    expect(dayKey(weeks[0][0])).toBe('2026-11-01');
    expect(dayKey(weeks[4][6])).toBe('2026-12-05');
    for (const week of weeks) {
      expect(week).toHaveLength(7);
      expect(week[0].getDay()).toBe(0);
    }
  });

  it('starts before the 1st when the month does not begin on Sunday', () => {
    // February 2026: Sunday the 1st, 28 days → exactly 4 rows; August 2026 starts on Saturday → 6 rows.
    expect(monthGrid(d(2026, 2, 10))).toHaveLength(4);
    const aug = monthGrid(d(2026, 8, 15));
    expect(aug).toHaveLength(6);
    expect(dayKey(aug[0][0])).toBe('2026-07-26');
    expect(dayKey(aug[0][6])).toBe('2026-08-01');
    expect(dayKey(aug[5][6])).toBe('2026-09-05');
  });

  it('asks the API for exactly the days shown', () => {
    const week = viewRange('week', d(2026, 11, 25));
    expect([dayKey(week.from), dayKey(week.to)]).toEqual(['2026-11-22', '2026-11-29']);
    const month = viewRange('month', d(2026, 8, 15));
    expect([dayKey(month.from), dayKey(month.to)]).toEqual(['2026-07-26', '2026-09-06']);
  });

  it('steps by week or by month', () => {
    expect(dayKey(step('week', d(2026, 11, 25), 1))).toBe('2026-11-29');
    expect(dayKey(step('week', d(2026, 11, 25), -1))).toBe('2026-11-15');
    expect(dayKey(step('month', d(2026, 1, 31), 1))).toBe('2026-02-01');
    expect(dayKey(step('month', d(2026, 1, 31), -1))).toBe('2025-12-01');
  });

  it('titles the view in Hebrew', () => {
    expect(rangeTitle('month', d(2026, 11, 24))).toBe('נובמבר 2026');
    expect(rangeTitle('week', d(2026, 11, 24))).toContain('נובמבר');
  });
});

describe('events by day', () => {
  it('places each item on its local day, sorted by time, and skips items without a time', () => {
    const at = (y: number, m: number, day: number, h: number) => d(y, m, day, h).toISOString();
    const items = [
      { id: 'late', at: at(2026, 11, 24, 18) },
      { id: 'early', at: at(2026, 11, 24, 8) },
      { id: 'midnight', at: at(2026, 11, 25, 0) },
      { id: 'none', at: null },
      { id: 'bad', at: 'not a date' },
    ];
    const days = byDay(items, (i) => i.at);
    expect(days.get('2026-11-24')?.map((i) => i.id)).toEqual(['early', 'late']);
    expect(days.get('2026-11-25')?.map((i) => i.id)).toEqual(['midnight']);
    expect([...days.keys()]).toHaveLength(2);
  });

  it('round-trips datetime-local values and day keys', () => {
    const t = d(2026, 3, 5, 9, 7);
    expect(toLocalInput(t)).toBe('2026-03-05T09:07');
    expect(fromLocalInput('2026-03-05T09:07')?.getTime()).toBe(t.getTime());
    expect(fromLocalInput('')).toBeNull();
    expect(parseDayKey('2026-02-30')).toBeNull();
    expect(parseDayKey('nope')).toBeNull();
    expect(dayKey(parseDayKey('2026-02-28')!)).toBe('2026-02-28');
    expect(dayKey(addDays(d(2026, 2, 28), 1))).toBe('2026-03-01');
  });
});

describe('time zone of the tests', () => {
  it('is Israel, so the daylight-saving case above is a real one', () => {
    expect(d(2026, 10, 24).getTimezoneOffset()).toBe(-180);
    expect(d(2026, 10, 26).getTimezoneOffset()).toBe(-120);
  });
});
