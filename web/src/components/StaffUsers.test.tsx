import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi, type Call } from '../test/api';

vi.mock('../lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

beforeEach(() => localStorage.setItem('al.token', 'tok'));
afterEach(() => vi.unstubAllGlobals());

const owner = { id: 'u1', business_id: 'b1', email: 'owner@demo.co.il', name: 'דנה', role: 'owner', active: true };
const agent = { id: 'u2', business_id: 'b1', email: 'agent@demo.co.il', name: 'יוסי', role: 'agent', active: true };

function renderSettings() {
  return render(
    <MemoryRouter initialEntries={['/settings']}>
      <App />
    </MemoryRouter>,
  );
}

/** Users kept in memory behind GET/POST/PATCH /api/users; `role` is the signed-in user's. */
function usersApi(role = 'owner', onPatch?: (call: Call) => Response | null) {
  let users = [owner, agent];
  const signedIn = { ...me(), user: { ...me().user, role } };
  return mockApi({
    'GET /api/me': signedIn,
    'GET /api/whatsapp/status': { state: 'closed', reason: null, qr_data_url: null },
    'GET /api/users': () => json(200, { items: users, total: users.length }),
    'POST /api/users': (call: Call) => {
      const body = call.body as Record<string, string>;
      if (body.password.length < 10) return json(422, { error: 'validation', message: 'password: too short', field: 'password' });
      const added = { id: 'u3', business_id: 'b1', email: body.email, name: body.name, role: body.role, active: true };
      users = [...users, added];
      return json(201, added);
    },
    'PATCH /api/users/': (call: Call) => {
      const refused = onPatch?.(call);
      if (refused) return refused;
      const id = decodeURIComponent(call.url.split('/').pop()!);
      users = users.map((u) => (u.id === id ? { ...u, ...(call.body as object) } : u));
      return json(200, users.find((u) => u.id === id));
    },
  });
}

async function usersSection() {
  const heading = await screen.findByRole('heading', { name: he.users.title });
  const section = within(heading.closest('section')!);
  await section.findByText('agent@demo.co.il');
  return section;
}

describe('settings: users', () => {
  it('lists the users, changes a role and deactivates a user', async () => {
    const calls = usersApi();
    renderSettings();
    const section = await usersSection();
    await userEvent.selectOptions(section.getByLabelText(he.users.roleOf('יוסי')), 'read_only');
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({ url: '/api/users/u2', body: { role: 'read_only' } });

    const row = section.getByText('agent@demo.co.il').closest('tr')!;
    await userEvent.click(within(row).getByRole('button', { name: he.users.deactivate }));
    await within(row).findByText(he.users.inactive);
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)!.body).toEqual({ active: false });
    expect(within(row).getByRole('button', { name: he.users.reactivate })).toBeInTheDocument();
  });

  it('adds a user, and says why when the server refuses', async () => {
    const calls = usersApi();
    renderSettings();
    const section = await usersSection();
    await userEvent.type(section.getByLabelText(he.users.email), 'new@demo.co.il');
    await userEvent.type(section.getByLabelText(he.users.name), 'רות');
    await userEvent.selectOptions(section.getByLabelText(he.users.role), 'admin');
    await userEvent.type(section.getByLabelText(he.users.password), 'short');
    await userEvent.click(section.getByRole('button', { name: he.users.add }));
    expect(await section.findByRole('alert')).toHaveTextContent(he.users.passwordShort);

    await userEvent.clear(section.getByLabelText(he.users.password));
    await userEvent.type(section.getByLabelText(he.users.password), 'a-long-first-password');
    await userEvent.click(section.getByRole('button', { name: he.users.add }));
    await section.findByText('new@demo.co.il');
    expect(calls.filter((c) => c.method === 'POST').at(-1)!.body).toEqual({
      email: 'new@demo.co.il', name: 'רות', role: 'admin', password: 'a-long-first-password',
    });
  });

  it('explains a refused change to the last owner', async () => {
    usersApi('owner', () => json(409, { error: 'conflict', message: 'the business must keep at least one active owner' }));
    renderSettings();
    const section = await usersSection();
    const row = section.getByText('owner@demo.co.il').closest('tr')!;
    await userEvent.click(within(row).getByRole('button', { name: he.users.deactivate }));
    expect(await section.findByRole('alert')).toHaveTextContent(he.users.lastOwner);
  });

  it('is not shown to an agent', async () => {
    const calls = usersApi('agent');
    renderSettings();
    await screen.findByRole('heading', { name: he.settings.features });
    expect(screen.queryByRole('heading', { name: he.users.title })).not.toBeInTheDocument();
    expect(calls.some((c) => c.url === '/api/users')).toBe(false);
  });
});

describe('sign-out', () => {
  it('ends the session on the server before leaving', async () => {
    mockApi({
      'GET /api/me': me(),
      'GET /api/whatsapp/status': { state: 'closed', reason: null, qr_data_url: null },
      'GET /api/users': { items: [], total: 0 },
      'POST /api/auth/logout': () => json(204, null),
    });
    renderSettings();
    await userEvent.click(await screen.findByRole('button', { name: he.nav.logout }));
    await waitFor(() => expect(localStorage.getItem('al.token')).toBeNull());
    const fetched = (globalThis.fetch as unknown as { mock: { calls: [string, RequestInit][] } }).mock.calls;
    expect(fetched.some(([url, init]) => url === '/api/auth/logout' && init.method === 'POST')).toBe(true);
  });
});
