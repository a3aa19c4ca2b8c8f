import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi } from '../test/api';
import { clearCustomerNames } from '../lib/customers';
import { hourRow } from './Calendar';

vi.mock('../lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

const local = (y: number, m: number, d: number, h: number, min = 0) => new Date(y, m - 1, d, h, min).toISOString();

const appointments = {
  from: null,
  to: null,
  items: [
    { id: 'a1', customer_id: 'k1', title: 'פגישת ייעוץ', starts_at: local(2026, 11, 24, 10, 30), ends_at: local(2026, 11, 24, 11, 30), notes: '' },
    { id: 'a2', customer_id: null, title: 'ישיבת צוות', starts_at: local(2026, 11, 26, 6), ends_at: local(2026, 11, 26, 7), notes: '' },
  ],
};
const tasks = {
  page: 1, limit: 100, total: 1,
  items: [{ id: 't1', title: 'לחזור ליוסי', due_at: local(2026, 11, 25, 12), done: false, customer_id: 'k1' }],
};
const customer = { id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'manual', notes: '', created_at: null, updated_at: null };

beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  clearCustomerNames();
});
afterEach(() => vi.unstubAllGlobals());

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

function slot(day: string, hour: number): HTMLElement {
  const el = document.querySelector<HTMLElement>(`.slot[data-day="${day}"][data-hour="${hour}"]`);
  if (!el) throw new Error(`no slot ${day} ${hour}`);
  return el;
}

describe('calendar week view', () => {
  it('asks for the week from Sunday and puts appointments and due tasks on their day and hour', async () => {
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': appointments,
      'GET /api/tasks': tasks,
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
    });
    renderAt('/calendar?date=2026-11-24');
    await screen.findByText('פגישת ייעוץ');

    const range = new URL(calls.find((c) => c.url.startsWith('/api/appointments'))!.url, 'http://x').searchParams;
    expect(new Date(range.get('from')!).getTime()).toBe(new Date(2026, 10, 22).getTime());
    expect(new Date(range.get('to')!).getTime()).toBe(new Date(2026, 10, 29).getTime());
    const due = new URL(calls.find((c) => c.url.startsWith('/api/tasks'))!.url, 'http://x').searchParams;
    expect(due.get('due_after')).toBe(range.get('from'));
    expect(due.get('due_before')).toBe(range.get('to'));

    // Sunday first, named in Hebrew.
    const heads = [...document.querySelectorAll('.day-head .day-name')].map((e) => e.textContent);
    expect(heads[0]).toBe('יום ראשון');
    expect(heads[6]).toBe('יום שבת');
    expect(within(slot('2026-11-24', 10)).getByText('פגישת ייעוץ')).toBeInTheDocument();
    expect(within(slot('2026-11-24', 10)).getByText('10:30')).toBeInTheDocument();
    expect(await within(slot('2026-11-24', 10)).findByText('יוסי כהן')).toBeInTheDocument();
    // Before the first row: shown in the first row of its own day.
    expect(within(slot('2026-11-26', 7)).getByText('ישיבת צוות')).toBeInTheDocument();
    const dueCell = document.querySelector<HTMLElement>('.slot-tasks[data-day="2026-11-25"]')!;
    expect(within(dueCell).getByRole('link', { name: /לחזור ליוסי/ })).toHaveAttribute('href', '/crm/customers/k1');
  });

  it('clamps hours to the rows shown', () => {
    expect(hourRow(new Date(2026, 0, 1, 3))).toBe(7);
    expect(hourRow(new Date(2026, 0, 1, 13, 59))).toBe(13);
    expect(hourRow(new Date(2026, 0, 1, 23))).toBe(20);
  });

  it('books a clicked slot: start and end in the form, validation, then POST and reload', async () => {
    let items = [...appointments.items];
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': () => json(200, { from: null, to: null, items }),
      'GET /api/tasks': tasks,
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
      'POST /api/appointments': (call: { body: unknown }) => {
        const b = call.body as { title: string; starts_at: string; ends_at: string; customer_id: string };
        const created = { id: 'a3', notes: '', ...b };
        items = [...items, created];
        return json(201, created);
      },
    });
    renderAt('/calendar?date=2026-11-24');
    await screen.findByText('פגישת ייעוץ');
    await userEvent.click(screen.getByRole('button', { name: he.calendar.addAt('יום רביעי, 25 בנובמבר', '14:00') }));
    const dialog = await screen.findByRole('dialog', { name: he.calendar.newAppointment });
    expect(within(dialog).getByLabelText(he.calendar.starts)).toHaveValue('2026-11-25T14:00');
    expect(within(dialog).getByLabelText(he.calendar.ends)).toHaveValue('2026-11-25T15:00');

    // Empty title and an end before the start are caught before sending.
    await userEvent.clear(within(dialog).getByLabelText(he.calendar.ends));
    await userEvent.type(within(dialog).getByLabelText(he.calendar.ends), '2026-11-25T13:00');
    await userEvent.click(within(dialog).getByRole('button', { name: he.create }));
    expect(within(dialog).getByText(he.required)).toBeInTheDocument();
    expect(within(dialog).getByText(he.calendar.endBeforeStart)).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.type(within(dialog).getByLabelText(he.calendar.subject), 'מדידה בבית הלקוח');
    await userEvent.clear(within(dialog).getByLabelText(he.calendar.ends));
    await userEvent.type(within(dialog).getByLabelText(he.calendar.ends), '2026-11-25T15:30');
    await userEvent.selectOptions(await within(dialog).findByLabelText(he.calendar.customer), 'k1');
    await userEvent.click(within(dialog).getByRole('button', { name: he.create }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({
      title: 'מדידה בבית הלקוח',
      starts_at: new Date(2026, 10, 25, 14).toISOString(),
      ends_at: new Date(2026, 10, 25, 15, 30).toISOString(),
      customer_id: 'k1',
      notes: '',
    });
    expect(await within(slot('2026-11-25', 14)).findByText('מדידה בבית הלקוח')).toBeInTheDocument();
    expect(screen.getByText(he.calendar.created)).toBeInTheDocument();
  });

  it('shows why a slot outside the business hours is refused, at the start time', async () => {
    mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': { from: null, to: null, items: [] },
      'GET /api/tasks': { page: 1, limit: 100, total: 0, items: [] },
      'GET /api/crm/customers': { page: 1, limit: 100, total: 0, items: [] },
      'POST /api/appointments': () =>
        json(422, { error: 'validation_error', message: 'העסק סגור בשעות האלה לרגל שבת', field: 'starts_at' }),
    });
    renderAt('/calendar?date=2026-11-24');
    await userEvent.click(await screen.findByRole('button', { name: he.calendar.addAt('יום שני, 23 בנובמבר', '09:00') }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(he.calendar.subject), 'פגישה');
    await userEvent.click(within(dialog).getByRole('button', { name: he.create }));
    const reason = await within(dialog).findByText('העסק סגור בשעות האלה לרגל שבת');
    expect(reason).toHaveAttribute('id', 'appt-starts_at-error');
  }, 20_000);

  it("shows the API's Hebrew message when it refuses the appointment", async () => {
    mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': { from: null, to: null, items: [] },
      'GET /api/tasks': { page: 1, limit: 100, total: 0, items: [] },
      'GET /api/crm/customers': { page: 1, limit: 100, total: 0, items: [] },
      'POST /api/appointments': () => json(409, { error: 'conflict', message: 'יש כבר פגישה בשעה הזו' }),
    });
    renderAt('/calendar?date=2026-11-24');
    await userEvent.click(await screen.findByRole('button', { name: he.calendar.addAt('יום שני, 23 בנובמבר', '09:00') }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(he.calendar.subject), 'פגישה');
    await userEvent.click(within(dialog).getByRole('button', { name: he.create }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('יש כבר פגישה בשעה הזו');
  });
});

describe('an appointment opened from the calendar', () => {
  it('is changed with PATCH and deleted with DELETE', async () => {
    let items = [...appointments.items];
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': () => json(200, { from: null, to: null, items }),
      'GET /api/tasks': tasks,
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
      'PATCH /api/appointments/a1': (call: { body: unknown }) => {
        items = items.map((a) => (a.id === 'a1' ? { ...a, ...(call.body as object) } : a));
        return json(200, items[0]);
      },
      'DELETE /api/appointments/a1': () => {
        items = items.filter((a) => a.id !== 'a1');
        return json(204, null);
      },
    });
    renderAt('/calendar?date=2026-11-24');
    await screen.findByText('פגישת ייעוץ');
    await userEvent.click(within(slot('2026-11-24', 10)).getByRole('button', { name: /פגישת ייעוץ/ }));
    let dialog = await screen.findByRole('dialog', { name: he.calendar.edit });
    expect(within(dialog).getByLabelText(he.calendar.subject)).toHaveValue('פגישת ייעוץ');
    expect(within(dialog).getByLabelText(he.calendar.starts)).toHaveValue('2026-11-24T10:30');
    expect(within(dialog).getByLabelText(he.calendar.ends)).toHaveValue('2026-11-24T11:30');
    expect(await within(dialog).findByLabelText(he.calendar.customer)).toHaveValue('k1');
    await userEvent.clear(within(dialog).getByLabelText(he.calendar.subject));
    await userEvent.type(within(dialog).getByLabelText(he.calendar.subject), 'פגישת סיכום');
    await userEvent.selectOptions(within(dialog).getByLabelText(he.calendar.customer), '');
    await userEvent.click(within(dialog).getByRole('button', { name: he.save }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(calls.find((c) => c.method === 'PATCH')!.body).toMatchObject({ title: 'פגישת סיכום', customer_id: null });
    expect(await within(slot('2026-11-24', 10)).findByText('פגישת סיכום')).toBeInTheDocument();

    await userEvent.click(within(slot('2026-11-24', 10)).getByRole('button', { name: /פגישת סיכום/ }));
    dialog = await screen.findByRole('dialog', { name: he.calendar.edit });
    await userEvent.click(within(dialog).getByRole('button', { name: he.calendar.remove }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await waitFor(() => expect(within(slot('2026-11-24', 10)).queryByText('פגישת סיכום')).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === 'DELETE' && c.url === '/api/appointments/a1')).toBe(true);
  });
});

describe('calendar navigation and views', () => {
  it('moves by week, and the month view starts on Sunday with each item on its day', async () => {
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': appointments,
      'GET /api/tasks': tasks,
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
    });
    renderAt('/calendar?date=2026-11-24');
    await screen.findByText('פגישת ייעוץ');
    await userEvent.click(screen.getByRole('button', { name: new RegExp(he.calendar.next) }));
    await waitFor(() => expect(calls.filter((c) => c.url.startsWith('/api/appointments'))).toHaveLength(2));
    const next = new URL(calls.filter((c) => c.url.startsWith('/api/appointments'))[1].url, 'http://x').searchParams;
    expect(new Date(next.get('from')!).getTime()).toBe(new Date(2026, 10, 29).getTime());

    // The week of 29.11 is November's: the month view opens on November, then steps by month.
    await userEvent.click(screen.getByRole('button', { name: he.calendar.month }));
    expect(await screen.findByRole('heading', { name: 'נובמבר 2026' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: new RegExp(he.calendar.next) }));
    expect(await screen.findByRole('heading', { name: 'דצמבר 2026' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: new RegExp(he.calendar.prev) }));
    expect(await screen.findByRole('heading', { name: 'נובמבר 2026' })).toBeInTheDocument();
    const cell = await waitFor(() => {
      const c = document.querySelector<HTMLElement>('.month-day[data-day="2026-11-24"]');
      if (!c || !within(c).queryByText(/פגישת ייעוץ/)) throw new Error('not yet');
      return c;
    });
    expect(within(cell).getByText(/פגישת ייעוץ/)).toBeInTheDocument();
    const days = [...document.querySelectorAll<HTMLElement>('.month-day')].map((e) => e.dataset.day);
    expect(days[0]).toBe('2026-11-01');
    expect(days).toHaveLength(35);
    expect(within(document.querySelector<HTMLElement>('.month-day[data-day="2026-11-25"]')!).getByText(/לחזור ליוסי/)).toBeInTheDocument();

    // Clicking a day opens a new appointment on it.
    await userEvent.click(screen.getByRole('button', { name: he.calendar.addOn('יום שישי, 27 בנובמבר') }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText(he.calendar.starts)).toHaveValue('2026-11-27T09:00');
  });

  it('lists the week as days on a narrow screen', async () => {
    vi.stubGlobal('matchMedia', (query: string) => ({
      matches: query.includes('max-width'), media: query, addEventListener: () => {}, removeEventListener: () => {},
    }));
    mockApi({
      'GET /api/me': me(),
      'GET /api/appointments': appointments,
      'GET /api/tasks': tasks,
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
    });
    renderAt('/calendar?date=2026-11-24');
    await screen.findByText('פגישת ייעוץ');
    expect(document.querySelector('.week-grid')).toBeNull();
    const days = [...document.querySelectorAll<HTMLElement>('.day-list > li')];
    expect(days.map((d) => d.dataset.day)).toEqual([
      '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28',
    ]);
    expect(within(days[2]).getByText('פגישת ייעוץ')).toBeInTheDocument();
    expect(within(days[3]).getByText('לחזור ליוסי')).toBeInTheDocument();
    expect(within(days[0]).getByText(he.calendar.nothingToday)).toBeInTheDocument();
  });

  it('explains that the calendar is off instead of showing it', async () => {
    mockApi({ 'GET /api/me': me({ calendar_enabled: false }), 'GET /api/appointments': appointments });
    renderAt('/calendar');
    expect(await screen.findByRole('alert')).toHaveTextContent(he.calendar.off);
    expect(screen.getByRole('link', { name: he.calendar.toSettings })).toHaveAttribute('href', '/settings');
    expect(screen.queryByRole('link', { name: he.nav.calendar })).not.toBeInTheDocument();
    expect(document.querySelector('.week-grid')).toBeNull();
    expect(screen.queryByText('פגישת ייעוץ')).not.toBeInTheDocument();
  });
});
