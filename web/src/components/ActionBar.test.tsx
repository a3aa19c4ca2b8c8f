import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { ActionBar } from './ActionBar';
import { BusinessProvider } from '../lib/business';
import { he } from '../strings';
import type { WhatsAppItem } from '../lib/types';
import { withPending } from '../pages/CustomerPage';

const customer = {
  id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'manual', notes: '', created_at: null, updated_at: null,
};
const features = {
  crm_enabled: true, whatsapp_enabled: false, signature_enabled: true, invoices_enabled: true, contracts_enabled: true,
  voice_enabled: true, proposals_enabled: true, calendar_enabled: true, reports_enabled: true,
};

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

function renderBar(onChanged = () => {}, onWhatsAppSent?: (item: WhatsAppItem) => void) {
  return render(
    <MemoryRouter>
      <BusinessProvider>
        <ActionBar customer={customer} onChanged={onChanged} onWhatsAppSent={onWhatsAppSent} />
      </BusinessProvider>
    </MemoryRouter>,
  );
}

describe('ActionBar', () => {
  it('disables a switched-off feature with the reason', async () => {
    fetchMock.mockResolvedValue(json(200, { user: {}, business: { id: 'b', name: 'x', vat_rate_bp: 1800, features } }));
    renderBar();
    const wa = screen.getByRole('button', { name: new RegExp(he.actions.whatsapp) });
    await vi.waitFor(() => expect(wa).toBeDisabled());
    expect(wa).toHaveAttribute('title', he.actionDisabled(he.features.whatsapp));
    expect(screen.getByRole('button', { name: new RegExp(he.actions.call) })).toBeEnabled();
  });

  it('creates a task for the customer from the modal', async () => {
    const onChanged = vi.fn();
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url === '/api/tasks') {
        const body = JSON.parse(init.body as string);
        expect(body.title).toBe('לחזור עם הצעה');
        expect(body.customer_id).toBe('k1');
        return json(201, { id: 't1', ...body, done: false });
      }
      return json(200, { user: {}, business: { id: 'b', name: 'x', vat_rate_bp: 1800, features } });
    });
    renderBar(onChanged);
    await userEvent.click(screen.getByRole('button', { name: new RegExp(he.actions.task) }));
    await userEvent.type(screen.getByLabelText(he.actions.taskTitle), 'לחזור עם הצעה');
    await userEvent.click(screen.getByRole('button', { name: he.create }));
    await vi.waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('starts a call and shows the API error in Hebrew when voice is not configured', async () => {
    fetchMock.mockImplementation(async (url: string) => {
      if (url === '/api/calls') return json(503, { error: 'voice_not_configured', message: 'השיחות עדיין לא מוגדרות' });
      return json(200, { user: {}, business: { id: 'b', name: 'x', vat_rate_bp: 1800, features } });
    });
    renderBar();
    await userEvent.click(screen.getByRole('button', { name: new RegExp(he.actions.call) }));
    await userEvent.type(screen.getByLabelText(he.actions.agentPhone), '0521234567');
    await userEvent.click(screen.getByRole('button', { name: he.actions.startCall }));
    expect(await screen.findByRole('alert')).toHaveTextContent('השיחות עדיין לא מוגדרות');
  });

  it('sends a WhatsApp message and shows it as pending at once', async () => {
    const sent: WhatsAppItem[] = [];
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url === '/api/customers/k1/whatsapp?limit=50') return json(200, { page: 1, limit: 50, total: 0, items: [] });
      if (url === '/api/whatsapp/send') {
        expect(JSON.parse(init.body as string)).toEqual({ to: 'k1', text: 'שלום יוסי' });
        return json(202, { message_id: '3EB0AA', status: 'sent' });
      }
      return json(200, { user: {}, business: { id: 'b', name: 'x', vat_rate_bp: 1800, features: { ...features, whatsapp_enabled: true } } });
    });
    renderBar(() => {}, (item) => sent.push(item));
    const wa = screen.getByRole('button', { name: new RegExp(he.actions.whatsapp) });
    await vi.waitFor(() => expect(wa).toBeEnabled());
    await userEvent.click(wa);
    expect(await screen.findByText(he.actions.whatsappEmpty)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(he.actions.whatsappText), 'שלום יוסי');
    await userEvent.click(screen.getByRole('button', { name: he.send }));
    const bubble = (await screen.findByText('שלום יוסי')).closest('li')!;
    expect(bubble).toHaveTextContent(he.timeline.waStatus.pending);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'whatsapp', status: 'pending', provider_message_id: '3EB0AA', body: 'שלום יוסי' });

    // On the timeline until the stored message is there, then only the stored one.
    const stored = { ...sent[0], id: 'w9', status: 'sent' };
    const older = { type: 'task' as const, id: 't1', ts: null, title: 'x', due_at: null, done: false };
    expect(withPending([older] as never, sent)!.map((i) => i.id)).toEqual([sent[0].id, 't1']);
    expect(withPending([stored, older] as never, sent)!.map((i) => i.id)).toEqual(['w9', 't1']);
    expect(withPending(null, sent)).toBeNull();
  });
});
