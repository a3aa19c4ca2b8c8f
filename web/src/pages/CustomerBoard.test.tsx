import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi, type Call } from '../test/api';
import type { LiveListener } from '../lib/socket';

const live = vi.hoisted(() => ({ listeners: new Set<(event: string, payload: Record<string, unknown>) => void>() }));
vi.mock('../lib/socket', () => ({
  subscribe: (l: LiveListener) => {
    live.listeners.add(l as (event: string, payload: Record<string, unknown>) => void);
    return () => live.listeners.delete(l as (event: string, payload: Record<string, unknown>) => void);
  },
  disconnect: () => {},
}));

/** A stand-in IntersectionObserver: the test says when the watched element comes into view. */
const observers = vi.hoisted(() => ({ all: [] as { cb: IntersectionObserverCallback; nodes: Element[]; live: boolean }[] }));
class FakeObserver {
  entry: { cb: IntersectionObserverCallback; nodes: Element[]; live: boolean };
  constructor(cb: IntersectionObserverCallback) {
    this.entry = { cb, nodes: [], live: true };
    observers.all.push(this.entry);
  }
  observe(node: Element) {
    this.entry.nodes.push(node);
  }
  disconnect() {
    this.entry.live = false;
  }
  unobserve() {}
  takeRecords() {
    return [];
  }
}
function scrollIntoView(node: Element) {
  for (const o of observers.all.filter((o) => o.live && o.nodes.includes(node))) {
    o.cb([{ isIntersecting: true, target: node } as unknown as IntersectionObserverEntry], o as unknown as IntersectionObserver);
  }
}

const customer = (id: string, status: string, name = `לקוח ${id}`) => ({
  id, name, phone: '+972501234567', email: null, status, source: 'manual', notes: '', created_at: '2026-11-20T10:00:00Z', updated_at: null,
});

/** A page of customers with the cursor of the next one in `X-Next-Cursor`. */
function page(items: unknown[], total: number, next?: string) {
  const res = json(200, { page: next === undefined ? 1 : 1, limit: 25, total, items });
  if (next) res.headers.set('x-next-cursor', next);
  return res;
}

// The page makes several requests before it settles; on a busy machine that takes a while.
configure({ asyncUtilTimeout: 5000 });

beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  localStorage.setItem('al.user', JSON.stringify(me().user));
  observers.all = [];
  vi.stubGlobal('IntersectionObserver', FakeObserver);
});
afterEach(() => {
  vi.unstubAllGlobals();
  live.listeners.clear();
});

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

const statusOf = (url: string) => new URL(url, 'http://x').searchParams.get('status');

function boardApi(patch: (c: Call) => Response = (c) => json(200, customer(c.url.split('/').pop()!, (c.body as { status: string }).status))) {
  return mockApi({
    'GET /api/me': me(),
    'GET /api/crm/customers': (c: Call) => {
      const s = statusOf(c.url);
      if (s === 'lead') return page([customer('a', 'lead', 'דנה כהן'), customer('b', 'lead')], 12);
      if (s === 'active') return page([customer('c', 'active')], 3);
      return page([], 0);
    },
    'PATCH /api/crm/customers/': patch,
  });
}

function column(status: string) {
  return screen.getByRole('region', { name: he.customers.status[status] });
}

describe('/crm?view=board', () => {
  it('shows a column per status with the count of each', async () => {
    const calls = boardApi();
    renderAt('/crm?view=board');
    await within(column('lead')).findByText('דנה כהן');
    expect(within(column('lead')).getByLabelText(he.customers.board_.column(he.customers.status.lead, 12))).toHaveTextContent('12');
    expect(within(column('active')).getByLabelText(he.customers.board_.column(he.customers.status.active, 3))).toHaveTextContent('3');
    expect(within(column('inactive')).getByText(he.customers.board_.empty)).toBeInTheDocument();
    const listed = calls.filter((c) => c.url.startsWith('/api/crm/customers?')).map((c) => statusOf(c.url));
    expect(listed.sort()).toEqual(['active', 'inactive', 'lead']);
    // The list's status filter does not apply to the board.
    expect(screen.queryByLabelText(he.customers.statusFilter)).toBeNull();
  });

  it('moves a focused card with the arrow keys, calls the API, moves the counts and announces it', async () => {
    const calls = boardApi();
    renderAt('/crm?view=board');
    const card = (await screen.findByText('דנה כהן')).closest('li')!;
    card.focus();
    // RTL: the next column (active) is to the left.
    fireEvent.keyDown(card, { key: 'ArrowLeft' });
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')).toBeDefined());
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.url).toBe('/api/crm/customers/a');
    expect(patch.body).toEqual({ status: 'active' });
    expect(within(column('active')).getByText('דנה כהן')).toBeInTheDocument();
    expect(within(column('lead')).queryByText('דנה כהן')).toBeNull();
    expect(within(column('lead')).getByLabelText(he.customers.board_.column(he.customers.status.lead, 11))).toBeInTheDocument();
    expect(within(column('active')).getByLabelText(he.customers.board_.column(he.customers.status.active, 4))).toBeInTheDocument();
    expect(screen.getByText(he.customers.board_.moved('דנה כהן', he.customers.status.active))).toHaveAttribute('aria-live', 'polite');
    // The right arrow moves it back; past the last column nothing happens.
    fireEvent.keyDown(within(column('active')).getByText('דנה כהן').closest('li')!, { key: 'ArrowRight' });
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ status: 'active' }, { status: 'lead' }]));
    fireEvent.keyDown(within(column('lead')).getByText('דנה כהן').closest('li')!, { key: 'ArrowRight' });
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(2);
  });

  it('moves a card dragged onto another column, and by its status menu', async () => {
    const calls = boardApi();
    renderAt('/crm?view=board');
    const card = (await screen.findByText('דנה כהן')).closest('li')!;
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? '', effectAllowed: '', dropEffect: '' };
    fireEvent.dragStart(card, { dataTransfer });
    fireEvent.dragOver(column('inactive'), { dataTransfer });
    expect(column('inactive')).toHaveClass('drag-over');
    fireEvent.drop(column('inactive'), { dataTransfer });
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ status: 'inactive' }));
    expect(within(column('inactive')).getByText('דנה כהן')).toBeInTheDocument();
    expect(column('inactive')).not.toHaveClass('drag-over');

    await userEvent.selectOptions(screen.getByLabelText(he.customers.board_.moveTo('לקוח c')), 'lead');
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').at(-1)).toEqual({ method: 'PATCH', url: '/api/crm/customers/c', body: { status: 'lead' } }));
    expect(within(column('lead')).getByText('לקוח c')).toBeInTheDocument();
  });

  it('puts the card back when the server refuses the move', async () => {
    boardApi(() => json(403, { error: 'forbidden', message: 'אין הרשאה לשנות' }));
    renderAt('/crm?view=board');
    const card = (await screen.findByText('דנה כהן')).closest('li')!;
    fireEvent.keyDown(card, { key: 'ArrowLeft' });
    expect(await screen.findByText(new RegExp('אין הרשאה לשנות'))).toBeInTheDocument();
    expect(within(column('lead')).getByText('דנה כהן')).toBeInTheDocument();
    expect(within(column('active')).queryByText('דנה כהן')).toBeNull();
    expect(within(column('lead')).getByLabelText(he.customers.board_.column(he.customers.status.lead, 12))).toBeInTheDocument();
  });

  it('reloads the columns when a customer changes elsewhere', async () => {
    const calls = boardApi();
    renderAt('/crm?view=board');
    await screen.findByText('דנה כהן');
    const before = calls.filter((c) => c.url.startsWith('/api/crm/customers?')).length;
    act(() => {
      for (const l of live.listeners) l('customer:changed', { customer_id: 'x', change: 'updated', status: 'active' });
    });
    await waitFor(() => expect(calls.filter((c) => c.url.startsWith('/api/crm/customers?')).length).toBe(before + 3));
  });
});

describe('/crm list', () => {
  it('loads the next page by cursor when the end of the list scrolls into view', async () => {
    const first = Array.from({ length: 25 }, (_, i) => customer(`p1-${i}`, 'lead'));
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/crm/customers': (c: Call) => {
        const after = new URL(c.url, 'http://x').searchParams.get('after');
        if (after === '2026-11-20T10:00:00Z|p1-24') return page([customer('p2-0', 'active', 'אחרונה')], 26);
        return page(first, 26, '2026-11-20T10:00:00Z|p1-24');
      },
    });
    renderAt('/crm?q=כהן&status=lead');
    await screen.findByText('לקוח p1-0');
    expect(screen.getByText(he.customers.count(26))).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: /עמוד/ })).toBeNull();
    act(() => scrollIntoView(screen.getByTestId('list-end')));
    expect(await screen.findByText('אחרונה')).toBeInTheDocument();
    const next = calls.filter((c) => c.url.includes('after='));
    expect(next).toHaveLength(1);
    const params = new URL(next[0].url, 'http://x').searchParams;
    // The next page keeps the search and the filter.
    expect([params.get('after'), params.get('q'), params.get('status')]).toEqual(['2026-11-20T10:00:00Z|p1-24', 'כהן', 'lead']);
    expect(screen.getAllByRole('listitem')).toHaveLength(26);
    expect(screen.getByText(he.customers.end)).toBeInTheDocument();
  });
});
