import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi } from '../test/api';
import type { LiveListener } from '../lib/socket';

const live = vi.hoisted(() => ({ listeners: new Set<(event: string, payload: Record<string, unknown>) => void>() }));
vi.mock('../lib/socket', () => ({
  subscribe: (l: LiveListener) => {
    live.listeners.add(l as (event: string, payload: Record<string, unknown>) => void);
    return () => live.listeners.delete(l as (event: string, payload: Record<string, unknown>) => void);
  },
  disconnect: () => {},
}));

// The page makes several requests before it settles; on a busy machine that takes a while.
configure({ asyncUtilTimeout: 5000 });

beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  localStorage.setItem('al.user', JSON.stringify(me().user));
});
afterEach(() => {
  vi.unstubAllGlobals();
  live.listeners.clear();
});

const call = (id: string, extra: Record<string, unknown>) => ({
  id, customer_id: null, twilio_sid: `CA${id}`, direction: 'inbound', from_number: '+972501111111', to_number: '+97231234567',
  status: 'completed', started_at: '2026-12-01T07:30:00Z', ended_at: null, duration_seconds: 60, recording_url: null,
  transcript: null, transcript_status: 'done', ai_replies: [], created_at: null, updated_at: null, ...extra,
});

const today = {
  date: '2026-12-01',
  from: '2026-11-30T22:00:00.000Z',
  to: '2026-12-01T22:00:00.000Z',
  calls_answered: 1,
  calls_missed: 1,
  calls_to_call_back: 1,
  calls: [
    { call: call('m', { status: 'no-answer', customer_id: 'k1', started_at: '2026-12-01T08:15:00Z' }), customer_name: 'דנה כהן', outcome: 'missed', needs_callback: true, follow_up_question: null },
    { call: call('a', { from_number: '+972502222222' }), customer_name: null, outcome: 'answered', needs_callback: false, follow_up_question: 'כמה עולה?' },
  ],
  waiting: [
    {
      id: 'v1', channel: 'whatsapp', state: 'waiting_for_human', customer_id: 'k2', customer_name: 'יוסי לוי', counterpart: '972503333333', assignee_id: null,
      last_activity_at: '2026-12-01T09:00:00Z', last_preview: 'אפשר לדבר עם מישהו?', last_direction: 'inbound', unread_count: 1, call_sid: null, created_at: null, updated_at: null,
    },
  ],
  tasks: [
    { task: { id: 't1', customer_id: 'k3', title: 'לשלוח הצעת מחיר', due_at: '2026-11-28T08:00:00Z', done: false, done_at: null, assignee_id: null, created_at: null, updated_at: null }, customer_name: 'מיכל', overdue: true },
    { task: { id: 't2', customer_id: null, title: 'להזמין חומרים', due_at: '2026-12-01T12:00:00Z', done: false, done_at: null, assignee_id: null, created_at: null, updated_at: null }, customer_name: null, overdue: false },
  ],
  appointments: [
    { appointment: { id: 'p1', customer_id: 'k4', title: 'פגישת היכרות', starts_at: '2026-12-01T12:00:00Z', ends_at: '2026-12-01T12:30:00Z', notes: '', created_at: null, updated_at: null }, customer_name: 'רונית' },
  ],
};

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

const section = (title: string) => screen.getByRole('region', { name: title });

describe('/ (today)', () => {
  it('shows the day: counts, calls, waiting conversations, tasks and appointments, each opening its customer', async () => {
    mockApi({ 'GET /api/me': me(), 'GET /api/today': today });
    renderAt('/');
    const calls = await screen.findByRole('region', { name: he.today.calls });
    const summary = screen.getByLabelText(he.today.summary);
    const stat = (label: string) => within(summary).getByText(label).closest('div')!;
    expect(stat(he.today.answered)).toHaveTextContent('1');
    expect(stat(he.today.toCallBack)).toHaveTextContent('1');
    expect(stat(he.today.waitingCount)).toHaveTextContent('1');
    expect(stat(he.today.tasksCount)).toHaveTextContent('2');
    expect(stat(he.today.appointmentsCount)).toHaveTextContent('1');

    const missed = within(calls).getByText('דנה כהן').closest('a')!;
    expect(missed).toHaveAttribute('href', '/crm/customers/k1');
    expect(within(missed).getByText(he.today.outcome.missed)).toBeInTheDocument();
    expect(within(missed).getByText(he.today.callBack)).toBeInTheDocument();
    // Israel time: 08:15 UTC is 10:15 in winter.
    expect(within(missed).getByText('10:15')).toBeInTheDocument();
    // A caller who is no customer yet shows the number and opens nothing.
    const unknown = within(calls).getByText('050-222-2222').closest('.today-item')!;
    expect(unknown.tagName).toBe('DIV');
    expect(within(unknown as HTMLElement).getByText(/כמה עולה\?/)).toBeInTheDocument();

    const waiting = within(section(he.today.waiting)).getByText('יוסי לוי').closest('a')!;
    expect(waiting).toHaveAttribute('href', '/crm/customers/k2');
    const overdue = within(section(he.today.tasks)).getByText('לשלוח הצעת מחיר').closest('a')!;
    expect(overdue).toHaveAttribute('href', '/crm/customers/k3');
    expect(within(overdue).getByText(he.today.overdue)).toBeInTheDocument();
    expect(within(section(he.today.tasks)).getByText(he.today.dueAt('14:00'))).toBeInTheDocument();
    const meeting = within(section(he.today.appointments)).getByText('פגישת היכרות').closest('a')!;
    expect(meeting).toHaveAttribute('href', '/crm/customers/k4');
    expect(within(meeting).getByText('רונית')).toBeInTheDocument();
  });

  it('filters the calls to those to call back', async () => {
    mockApi({ 'GET /api/me': me(), 'GET /api/today': today });
    renderAt('/');
    const calls = await screen.findByRole('region', { name: he.today.calls });
    await userEvent.click(within(calls).getByRole('button', { name: he.today.callFilter.callback }));
    expect(within(calls).getByText('דנה כהן')).toBeInTheDocument();
    expect(within(calls).queryByText('050-222-2222')).toBeNull();
    await userEvent.click(within(calls).getByRole('button', { name: he.today.callFilter.answered }));
    expect(within(calls).queryByText('דנה כהן')).toBeNull();
  });

  it('says when the day is empty and hides appointments when the calendar is off', async () => {
    mockApi({
      'GET /api/me': me({ calendar_enabled: false }),
      'GET /api/today': { ...today, calls: [], waiting: [], tasks: [], appointments: [], calls_answered: 0, calls_missed: 0, calls_to_call_back: 0 },
    });
    renderAt('/');
    expect(await screen.findByText(he.today.noCalls)).toBeInTheDocument();
    expect(screen.getByText(he.today.noWaiting)).toBeInTheDocument();
    expect(screen.getByText(he.today.noTasks)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('region', { name: he.today.appointments })).toBeNull());
  });

  it('reloads on live events', async () => {
    let loads = 0;
    mockApi({
      'GET /api/me': me(),
      'GET /api/today': () => {
        loads += 1;
        return json(200, today);
      },
    });
    renderAt('/');
    await screen.findByRole('region', { name: he.today.calls });
    const before = loads;
    act(() => {
      for (const l of live.listeners) l('call:incoming', { call_id: 'CA9', from: '+972501111111' });
      for (const l of live.listeners) l('inbox:updated', { conversation_id: 'v9' });
    });
    await waitFor(() => expect(loads).toBe(before + 1));
  });

  it('is the page after sign-in and the first link of the menu', async () => {
    mockApi({ 'GET /api/me': me(), 'GET /api/today': today });
    renderAt('/');
    const nav = await screen.findByRole('navigation', { name: he.nav.menu });
    const first = within(nav).getAllByRole('link')[0];
    expect(first).toHaveTextContent(he.nav.today);
    expect(first).toHaveAttribute('href', '/');
  });
});
