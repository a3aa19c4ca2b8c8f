import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi } from '../test/api';
import type { LiveEvent, LiveListener } from '../lib/socket';

// The live connection, driven by the test: `emit` delivers an event to every page listening.
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

beforeEach(() => localStorage.setItem('al.token', 'tok'));
afterEach(() => {
  vi.unstubAllGlobals();
  live.listeners.clear();
});

const customer = {
  id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'call', notes: '', created_at: null, updated_at: null,
};

const call = {
  type: 'call', id: 'c1', ts: '2026-11-20T08:00:00Z', direction: 'inbound', from_number: '+972501234567', to_number: '+97231234567',
  status: 'in-progress', started_at: '2026-11-20T08:00:00Z', ended_at: null, duration_seconds: 0, recording_url: null,
  transcript: null, ai_replies: [] as string[],
};

/** The customer page with a timeline that gains a turn each time it is loaded; returns the timeline loads. */
function renderCustomer() {
  let loads = 0;
  mockApi({
    'GET /api/me': me(),
    'GET /api/crm/customers/k1': customer,
    'GET /api/customers/k1/timeline': () => {
      loads += 1;
      const turns = Array.from({ length: loads - 1 }, (_, i) => `תשובה ${i + 1}`);
      return json(200, [{ ...call, ai_replies: turns }]);
    },
  });
  render(
    <MemoryRouter initialEntries={['/crm/customers/k1']}>
      <App />
    </MemoryRouter>,
  );
  return () => loads;
}

const timeline = () => within(screen.getByRole('heading', { name: new RegExp(he.timeline.title) }).closest('section')!);

describe('customer page, live', () => {
  it("shows a turn of this customer's call, found by the caller's number, within a second", async () => {
    const loads = renderCustomer();
    await screen.findByRole('heading', { name: customer.name });
    expect(await timeline().findByText(he.timeline.callActive)).toBeInTheDocument();
    expect(loads()).toBe(1);

    // Inbound: no customer id yet, the caller's number in another spelling.
    emit('call:answered', { call_id: 'CA1', customer_id: null, from: '050-123-4567', text: 'מתי אתם פתוחים?', reply: 'תשובה 1' });
    expect(await timeline().findByText('תשובה 1', {}, { timeout: 1000 })).toBeInTheDocument();
    expect(loads()).toBe(2);

    // A burst of events (the turn's transcript and answer) is one reload.
    emit('call:transcribed', { call_id: 'CA1', customer_id: null, from: '+972501234567', text: 'ועד מתי?' });
    emit('call:answered', { call_id: 'CA1', customer_id: 'k1', from: '+972501234567', text: 'ועד מתי?', reply: 'תשובה 2' });
    expect(await timeline().findByText('תשובה 2', {}, { timeout: 1000 })).toBeInTheDocument();
    expect(loads()).toBe(3);
  });

  it("does not reload for another number's call", async () => {
    const loads = renderCustomer();
    await screen.findByRole('heading', { name: customer.name });
    await timeline().findByText(he.timeline.callActive);
    emit('call:answered', { call_id: 'CA9', customer_id: null, from: '+972529999999', text: 'שלום', reply: 'שלום, במה אפשר לעזור?' });
    // A call's turn is no toast either.
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
    emit('call:transcribed', { call_id: 'CA8', customer_id: 'k2', from: '+972521111111', text: 'שלום' });
    await new Promise((r) => setTimeout(r, 600));
    expect(loads()).toBe(1);
    expect(timeline().queryByText('תשובה 1')).toBeNull();
  });
});
