import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi, type Call } from '../test/api';
import type { LiveEvent, LiveListener } from '../lib/socket';
import { inboxQuery } from './Inbox';

const live = vi.hoisted(() => ({ listeners: new Set<(event: string, payload: Record<string, unknown>) => void>() }));
vi.mock('../lib/socket', () => ({
  subscribe: (l: LiveListener) => {
    live.listeners.add(l as (event: string, payload: Record<string, unknown>) => void);
    return () => live.listeners.delete(l as (event: string, payload: Record<string, unknown>) => void);
  },
  disconnect: () => {},
}));
function emit(event: LiveEvent, payload: Record<string, unknown>) {
  for (const l of live.listeners) l(event, payload);
}

beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  localStorage.setItem('al.user', JSON.stringify(me().user));
});
afterEach(() => {
  vi.unstubAllGlobals();
  live.listeners.clear();
});

const conversation = (id: string, extra: Record<string, unknown> = {}) => ({
  id, channel: 'whatsapp', state: 'open', customer_id: `k-${id}`, customer_name: `לקוח ${id}`, counterpart: '972501234567',
  assignee_id: null, last_activity_at: '2026-11-20T10:00:00Z', last_preview: `הודעה ${id}`, last_direction: 'inbound',
  unread_count: 0, call_sid: null, created_at: null, updated_at: null, ...extra,
});
const message = (id: string, direction: string, body: string) => ({
  id, customer_id: 'k-a', provider_message_id: id, direction, from_number: '', to_number: '', body, status: 'received',
  created_at: '2026-11-20T10:00:00Z', updated_at: null,
});

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

describe('inboxQuery', () => {
  it('names only what is set', () => {
    expect(inboxQuery('', '')).toBe('limit=25');
    expect(inboxQuery('unread', 'call', '2026|x')).toBe('limit=25&filter=unread&channel=call&cursor=2026%7Cx');
  });
});

describe('/inbox', () => {
  it('lists conversations newest first with unread counts, the count in the title, and filters', async () => {
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/users': { items: [], total: 0 },
      'GET /api/inbox': { limit: 25, items: [conversation('a', { unread_count: 2 }), conversation('b', { channel: 'call', state: 'waiting_for_human' })], next_cursor: null, unread_conversations: 1 },
    });
    renderAt('/inbox');
    const first = (await screen.findByText('לקוח a')).closest('a')!;
    expect(within(first).getByLabelText(he.inbox.unread(2))).toHaveTextContent('2');
    expect(first).toHaveAttribute('href', '/inbox/a');
    const second = screen.getByText('לקוח b').closest('a')!;
    expect(within(second).getByText(he.inbox.state.waiting_for_human)).toBeInTheDocument();
    expect(within(second).getByText(he.inbox.channel.call)).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe(he.inbox.documentTitle(1)));

    await userEvent.click(screen.getByRole('button', { name: he.inbox.filter.unread }));
    await waitFor(() => expect(calls.some((c) => c.url.includes('filter=unread'))).toBe(true));
    await userEvent.selectOptions(screen.getByLabelText(he.inbox.channelFilter), 'call');
    await waitFor(() => expect(calls.some((c) => c.url.includes('channel=call'))).toBe(true));
  });

  it('opens a thread, marks it read, replies, assigns, marks done and follows live changes', async () => {
    let loads = 0;
    let state = 'open';
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/users': { items: [{ id: 'u2', name: 'רונית' }], total: 1 },
      'GET /api/inbox': () => {
        loads += 1;
        return json(200, { limit: 25, items: [conversation('a', { unread_count: 1 })], next_cursor: null, unread_conversations: 1 });
      },
      'GET /api/inbox/a': () =>
        json(200, {
          conversation: conversation('a', { unread_count: 1, state }),
          messages: [message('m1', 'inbound', 'אפשר תור?'), message('m2', 'outbound', 'כן, מחר ב-10')],
          call: null,
          turns: [],
        }),
      'POST /api/inbox/a/read': conversation('a', { unread_count: 0 }),
      'PUT /api/inbox/a': (c: Call) => {
        const body = c.body as { state?: string; assignee_id?: string | null };
        if (body.state) state = body.state;
        return json(200, conversation('a', { state, assignee_id: body.assignee_id ?? null }));
      },
      'POST /api/whatsapp/send': () => json(202, { message_id: 'W1', status: 'sent' }),
    });
    renderAt('/inbox/a');
    const thread = await screen.findByRole('article');
    expect(await within(thread).findByText('אפשר תור?')).toBeInTheDocument();
    expect(within(thread).getByText('כן, מחר ב-10')).toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url === '/api/inbox/a/read')).toBe(true));
    await waitFor(() => expect(document.title).toBe(he.inbox.documentTitle(0)));

    await userEvent.type(within(thread).getByLabelText(he.inbox.reply), 'נתראה');
    await userEvent.click(within(thread).getByRole('button', { name: he.send }));
    await waitFor(() => expect(calls.find((c) => c.url === '/api/whatsapp/send')?.body).toEqual({ to: 'k-a', text: 'נתראה' }));
    expect(await within(thread).findByText(he.inbox.sent)).toBeInTheDocument();

    await userEvent.selectOptions(within(thread).getByLabelText(he.inbox.assignee), 'u2');
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ assignee_id: 'u2' }));
    await userEvent.click(within(thread).getByRole('button', { name: he.inbox.markDone }));
    expect(await within(thread).findByRole('button', { name: he.inbox.reopen })).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toContainEqual({ state: 'done' });

    const before = loads;
    emit('inbox:updated', { conversation_id: 'a', inbound: true });
    await waitFor(() => expect(loads).toBeGreaterThan(before));
  });

  it('shows a call with the caller and the agent turn by turn', async () => {
    mockApi({
      'GET /api/me': me(),
      'GET /api/users': () => json(403, { error: 'forbidden', message: 'אין הרשאה' }),
      'GET /api/inbox': { limit: 25, items: [conversation('c', { channel: 'call' })], next_cursor: null, unread_conversations: 0 },
      'GET /api/inbox/c': {
        conversation: conversation('c', { channel: 'call' }),
        messages: [],
        call: { id: 'c1', customer_id: 'k-c', twilio_sid: 'CA1', direction: 'inbound', from_number: '', to_number: '', status: 'completed', started_at: null, ended_at: null, duration_seconds: 75, recording_url: null, transcript: 'מתי פתוחים?', transcript_status: 'done', ai_replies: ['א׳-ה׳'], created_at: null, updated_at: null },
        turns: [{ caller_text: 'מתי פתוחים?', ai_reply: 'א׳-ה׳ 9:00-18:00' }],
      },
    });
    renderAt('/inbox/c');
    const thread = await screen.findByRole('article');
    expect(await within(thread).findByText('א׳-ה׳ 9:00-18:00')).toBeInTheDocument();
    expect(within(thread).getByText(he.inbox.callSummary('completed', 75))).toBeInTheDocument();
    expect(within(thread).queryByLabelText(he.inbox.reply)).toBeNull();
    // Staff who may not list users can still take it themselves.
    expect(within(within(thread).getByLabelText(he.inbox.assignee)).getByRole('option', { name: he.inbox.me })).toBeInTheDocument();
  });
});
