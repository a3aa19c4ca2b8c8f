import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from './App';
import { he } from './strings';
import { getToken } from './lib/api';

vi.mock('./lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const user = { id: 'u1', business_id: 'b1', email: 'owner@demo.co.il', name: 'דנה', role: 'owner' };
const customers = {
  page: 1, limit: 25, total: 2,
  items: [
    { id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'manual', notes: '', created_at: '2026-11-01T10:00:00Z', updated_at: null },
    { id: 'k2', name: 'מיכל לוי', phone: '+97231234567', email: 'm@x.co.il', status: 'active', source: 'call', notes: '', created_at: '2026-11-02T10:00:00Z', updated_at: null },
  ],
};

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

describe('login flow', () => {
  it('sends the credentials, keeps the token and opens the customer list', async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url === '/api/auth/login') {
        expect(init.method).toBe('POST');
        expect(JSON.parse(init.body as string)).toEqual({ email: 'owner@demo.co.il', password: 'secret' });
        return json(200, { token: 'tok-1', token_type: 'Bearer', expires_in: 43200, user });
      }
      if (url.startsWith('/api/crm/customers?')) {
        expect((init.headers as Record<string, string>).authorization).toBe('Bearer tok-1');
        return json(200, customers);
      }
      return json(404, { error: 'not_found', message: 'לא נמצא' });
    });
    renderAt('/crm');
    expect(await screen.findByRole('heading', { name: he.login.title })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(he.login.email), 'owner@demo.co.il');
    await userEvent.type(screen.getByLabelText(he.login.password), 'secret');
    await userEvent.click(screen.getByRole('button', { name: he.login.submit }));
    expect(await screen.findByText('יוסי כהן')).toBeInTheDocument();
    expect(screen.getByText('050-123-4567')).toBeInTheDocument();
    expect(screen.getByText('03-123-4567')).toBeInTheDocument();
    expect(getToken()).toBe('tok-1');
  });

  it('shows a Hebrew error for a wrong password and stays on the login page', async () => {
    fetchMock.mockResolvedValue(json(401, { error: 'unauthorized', message: 'invalid email or password' }));
    renderAt('/login');
    await userEvent.type(screen.getByLabelText(he.login.email), 'owner@demo.co.il');
    await userEvent.type(screen.getByLabelText(he.login.password), 'nope');
    await userEvent.click(screen.getByRole('button', { name: he.login.submit }));
    expect(await screen.findByRole('alert')).toHaveTextContent(he.login.wrong);
    expect(getToken()).toBeNull();
  });

  it('goes back to the login page when a signed-in request answers 401', async () => {
    localStorage.setItem('al.token', 'expired');
    fetchMock.mockResolvedValue(json(401, { error: 'unauthorized', message: 'token expired' }));
    renderAt('/crm');
    expect(await screen.findByRole('heading', { name: he.login.title })).toBeInTheDocument();
    expect(screen.getByText(he.login.expired)).toBeInTheDocument();
    expect(getToken()).toBeNull();
  });
});

describe('customer list', () => {
  beforeEach(() => localStorage.setItem('al.token', 'tok'));

  it('says when the CRM is switched off instead of failing', async () => {
    fetchMock.mockResolvedValue(json(403, { error: 'crm_disabled', message: 'CRM is disabled' }));
    renderAt('/crm');
    expect(await screen.findByRole('alert')).toHaveTextContent(he.featureDisabled(he.features.crm));
    expect(screen.queryByRole('button', { name: he.customers.newCustomer })).toBeNull();
  });

  it('shows the field of a 422 next to it when creating a customer', async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url === '/api/crm/customers' && init.method === 'POST') {
        return json(422, { error: 'validation_error', message: 'מספר טלפון לא תקין', field: 'phone' });
      }
      return json(200, customers);
    });
    renderAt('/crm');
    await userEvent.click(await screen.findByRole('button', { name: he.customers.newCustomer }));
    const dialog = screen.getByRole('dialog');
    await userEvent.type(dialog.querySelector('input[name=name]')!, 'לקוח חדש');
    await userEvent.type(dialog.querySelector('input[name=phone]')!, '123');
    await userEvent.click(screen.getByRole('button', { name: he.create }));
    expect(await screen.findByText('מספר טלפון לא תקין')).toBeInTheDocument();
    expect(dialog.querySelector('input[name=phone]')).toHaveAttribute('aria-invalid', 'true');
  });

  it('searches with q and filters by status', async () => {
    fetchMock.mockResolvedValue(json(200, customers));
    renderAt('/crm');
    await screen.findByText('יוסי כהן');
    await userEvent.type(screen.getByLabelText(he.customers.searchLabel), '050-123{Enter}');
    await userEvent.selectOptions(screen.getByLabelText(he.customers.statusFilter), 'active');
    const urls = fetchMock.mock.calls.map((c) => String(c[0]));
    expect(urls.some((u) => u.includes('q=050-123'))).toBe(true);
    expect(urls.some((u) => u.includes('status=active') && u.includes('q=050-123'))).toBe(true);
  });

  it('shows the styled 404 page for an unknown route', async () => {
    renderAt('/no/such/page');
    expect(screen.getByRole('heading', { name: he.notFound.title })).toBeInTheDocument();
  });
});
