import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi, type Call } from '../test/api';
import type { ReminderSettingsView } from './ReminderSettings';
import type { ScheduledMessage } from './ScheduledMessages';

vi.mock('../lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

beforeEach(() => localStorage.setItem('al.token', 'tok'));
afterEach(() => vi.unstubAllGlobals());

const placeholders = ['{name}', '{date}', '{time}', '{address}', '{business}'];
const defaults: ReminderSettingsView = {
  enabled: false,
  template: 'שלום {name}, תזכורת לתור ב{date} בשעה {time}',
  lead_minutes: [1440, 120],
  configured: false,
  placeholders,
};

function settingsApi(role = 'owner', features = {}) {
  let settings = defaults;
  const signedIn = { ...me(features), user: { ...me().user, role } };
  return mockApi({
    'GET /api/me': signedIn,
    'GET /api/whatsapp/status': { state: 'closed', reason: null, qr_data_url: null },
    'GET /api/users': { items: [], total: 0 },
    'GET /api/business/reminders': () => json(200, settings),
    'PUT /api/business/reminders': (call: Call) => {
      const body = call.body as { template: string; enabled: boolean; lead_minutes: number[] };
      if (body.template.includes('{phone}')) {
        return json(422, { error: 'validation_error', message: 'template: unknown placeholder {phone}', field: 'template' });
      }
      settings = { ...body, configured: true, placeholders, lead_minutes: [...body.lead_minutes].sort((a, b) => b - a) };
      return json(200, settings);
    },
  });
}

async function remindersSection() {
  render(
    <MemoryRouter initialEntries={['/settings']}>
      <App />
    </MemoryRouter>,
  );
  const heading = await screen.findByRole('heading', { name: he.reminders.title });
  const section = within(heading.closest('section')!);
  await section.findByDisplayValue('24');
  return section;
}

describe('settings: appointment reminders', () => {
  it('turns reminders on with a new template and lead times in hours, sent as minutes', async () => {
    const calls = settingsApi();
    const section = await remindersSection();
    expect(section.getByLabelText(he.reminders.lead(2))).toHaveValue(2);
    expect(section.getByText('{address}')).toBeInTheDocument();

    await userEvent.click(section.getByRole('checkbox', { name: he.reminders.enabled }));
    const template = section.getByRole('textbox', { name: he.reminders.template });
    await userEvent.clear(template);
    await userEvent.type(template, 'היי {{name}, נתראה ב{{time}');
    await userEvent.click(section.getByRole('button', { name: he.reminders.removeLead(2) }));
    await userEvent.click(section.getByRole('button', { name: he.reminders.addLead }));
    const added = section.getByLabelText(he.reminders.lead(2));
    await userEvent.clear(added);
    await userEvent.type(added, '1.5');
    await userEvent.click(section.getByRole('button', { name: he.reminders.save }));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({ enabled: true, template: 'היי {name}, נתראה ב{time}', lead_minutes: [1440, 90] });
    expect(await screen.findByText(he.reminders.saved)).toBeInTheDocument();
  }, 20_000);

  it("shows the server's reason when the template is refused", async () => {
    settingsApi();
    const section = await remindersSection();
    const template = section.getByRole('textbox', { name: he.reminders.template });
    await userEvent.clear(template);
    await userEvent.type(template, 'שלום {{phone}');
    await userEvent.click(section.getByRole('button', { name: he.reminders.save }));
    expect(await section.findByRole('alert')).toHaveTextContent('unknown placeholder {phone}');
  });

  it('is read-only for staff below admin', async () => {
    settingsApi('agent');
    const section = await remindersSection();
    expect(section.queryByRole('button', { name: he.reminders.save })).not.toBeInTheDocument();
    expect(section.getByRole('textbox', { name: he.reminders.template })).toBeDisabled();
  });

  it('is not shown when WhatsApp is off', async () => {
    settingsApi('owner', { whatsapp_enabled: false });
    render(
      <MemoryRouter initialEntries={['/settings']}>
        <App />
      </MemoryRouter>,
    );
    await screen.findByRole('heading', { name: he.hours.title });
    expect(screen.queryByRole('heading', { name: he.reminders.title })).not.toBeInTheDocument();
  });
});

describe('customer page: scheduled WhatsApp messages', () => {
  const customer = {
    id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'call', notes: '', created_at: null, updated_at: null,
  };

  function customerApi() {
    let items: ScheduledMessage[] = [
      { id: 'm1', customer_id: 'k1', text: 'נשלחה כבר', send_at: '2026-12-01T08:00:00Z', status: 'sent', sent_at: '2026-12-01T08:00:00Z', created_by: 'u1', created_at: null },
    ];
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/crm/customers/k1': customer,
      'GET /api/customers/k1/timeline': [],
      'GET /api/customers/k1/scheduled-messages': () => json(200, { items }),
      'POST /api/customers/k1/scheduled-messages': (call: Call) => {
        const b = call.body as { text: string; send_at: string };
        const m = { id: 'm2', customer_id: 'k1', text: b.text, send_at: b.send_at, status: 'pending', sent_at: null, created_by: 'u1', created_at: null };
        items = [m, ...items];
        return json(201, m);
      },
      'DELETE /api/customers/k1/scheduled-messages/m2': () => {
        items = items.map((m) => (m.id === 'm2' ? { ...m, status: 'cancelled' } : m));
        return json(200, items[0]);
      },
    });
    render(
      <MemoryRouter initialEntries={['/crm/customers/k1']}>
        <App />
      </MemoryRouter>,
    );
    return calls;
  }

  const section = async () => within((await screen.findByRole('heading', { name: he.scheduled.title })).closest('section')!);

  it('schedules a message for a time and cancels it before it is sent', async () => {
    const calls = customerApi();
    const s = await section();
    expect(await s.findByText('נשלחה כבר')).toBeInTheDocument();
    expect(s.getByText(he.scheduled.status.sent)).toBeInTheDocument();

    await userEvent.click(s.getByRole('button', { name: he.scheduled.schedule }));
    expect(await s.findByRole('alert')).toHaveTextContent(he.scheduled.incomplete);

    await userEvent.type(s.getByRole('textbox', { name: he.scheduled.text }), 'מבצע חורף מחר!');
    await userEvent.type(s.getByLabelText(he.scheduled.sendAt), '2026-12-24T10:30');
    await userEvent.click(s.getByRole('button', { name: he.scheduled.schedule }));
    const post = await waitFor(() => {
      const c = calls.find((x) => x.method === 'POST');
      expect(c).toBeDefined();
      return c!;
    });
    const body = post.body as { text: string; send_at: string };
    expect(body.text).toBe('מבצע חורף מחר!');
    expect(new Date(body.send_at).getTime()).toBe(new Date('2026-12-24T10:30').getTime());

    const cancel = await s.findByRole('button', { name: new RegExp(he.scheduled.cancel) });
    expect(s.getByText(he.scheduled.status.pending)).toBeInTheDocument();
    await userEvent.click(cancel);
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url.endsWith('/m2'))).toBe(true));
    expect(await s.findByText(he.scheduled.status.cancelled)).toBeInTheDocument();
    expect(s.queryByRole('button', { name: new RegExp(he.scheduled.cancel) })).not.toBeInTheDocument();
  }, 20_000);
});
