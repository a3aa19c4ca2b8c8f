import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi, type Call } from '../test/api';
import type { HoursSettings } from './BusinessHours';

vi.mock('../lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

beforeEach(() => localStorage.setItem('al.token', 'tok'));
afterEach(() => vi.unstubAllGlobals());

const defaults: HoursSettings = {
  city: 'tel-aviv',
  weekly: [{ day: 'sunday', ranges: [{ from: '09:00', to: '17:00' }] }, { day: 'friday', ranges: [{ from: '09:00', to: '13:00' }] }],
  closed_on_shabbat_and_holidays: true,
  candle_lighting_minutes: null,
  havdalah: { kind: 'degrees', degrees: 8.5 },
  exceptions: [],
};
const cities = [
  { key: 'jerusalem', name: 'ירושלים', candle_lighting_minutes: 40 },
  { key: 'tel-aviv', name: 'תל אביב', candle_lighting_minutes: 18 },
];

function hoursApi(role = 'owner', onPut?: (call: Call) => Response | null) {
  let settings = defaults;
  const signedIn = { ...me(), user: { ...me().user, role } };
  return mockApi({
    'GET /api/me': signedIn,
    'GET /api/whatsapp/status': { state: 'closed', reason: null, qr_data_url: null },
    'GET /api/users': { items: [], total: 0 },
    'GET /api/business/hours/settings': () => json(200, { settings, configured: settings !== defaults, cities }),
    'PUT /api/business/hours/settings': (call: Call) => {
      const refused = onPut?.(call);
      if (refused) return refused;
      settings = call.body as HoursSettings;
      return json(200, { settings, configured: true, cities });
    },
    'GET /api/business/hours?': {
      open: [],
      closures: [{ start: '2027-07-23T16:02:00.000Z', end: '2027-07-24T17:22:00.000Z', kind: 'shabbat', name: 'שבת' }],
    },
  });
}

async function hoursSection() {
  render(
    <MemoryRouter initialEntries={['/settings']}>
      <App />
    </MemoryRouter>,
  );
  const heading = await screen.findByRole('heading', { name: he.hours.title });
  const section = within(heading.closest('section')!);
  await section.findByDisplayValue('תל אביב');
  return section;
}

describe('settings: opening hours', () => {
  it('shows the hours and the closures ahead, and saves a second range, the city and a one-off closure', async () => {
    const calls = hoursApi();
    const section = await hoursSection();
    expect(section.getByText('שבת', { selector: 'strong' })).toBeInTheDocument();
    expect(section.getByText(he.hours.candleLightingHelp('תל אביב', 18))).toBeInTheDocument();

    await userEvent.selectOptions(section.getByRole('combobox', { name: he.hours.city }), 'jerusalem');
    await userEvent.click(section.getByRole('button', { name: he.hours.addRange('ראשון') }));
    const from = section.getByLabelText(`ראשון ${he.hours.from} 2`);
    const to = section.getByLabelText(`ראשון ${he.hours.to} 2`);
    await userEvent.clear(from);
    await userEvent.type(from, '18:00');
    await userEvent.clear(to);
    await userEvent.type(to, '24:00');
    await userEvent.click(section.getByRole('button', { name: he.hours.addException }));
    await userEvent.type(section.getByLabelText(`${he.hours.exceptionDate} 1`), '2027-05-12');
    await userEvent.type(section.getByLabelText(`${he.hours.exceptionName} 1`), 'יום העצמאות');
    await userEvent.click(section.getByRole('button', { name: he.hours.save }));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const body = calls.find((c) => c.method === 'PUT')!.body as HoursSettings;
    expect(body.city).toBe('jerusalem');
    expect(body.weekly.find((d) => d.day === 'sunday')!.ranges).toEqual([
      { from: '09:00', to: '17:00' },
      { from: '18:00', to: '24:00' },
    ]);
    expect(body.exceptions).toEqual([{ date: '2027-05-12', ranges: [], name: 'יום העצמאות' }]);
    expect(await screen.findByText(he.hours.saved)).toBeInTheDocument();
  }, 20_000);

  it('refuses overlapping ranges and a range past midnight in Hebrew before sending, and shows a 422', async () => {
    const calls = hoursApi('owner', () => json(422, { error: 'validation_error', message: 'city: unknown city', field: 'hours' }));
    const section = await hoursSection();
    await userEvent.click(section.getByRole('button', { name: he.hours.addRange('ראשון') }));
    await userEvent.click(section.getByRole('button', { name: he.hours.save }));
    expect(await section.findByText(he.hours.overlap('ראשון'))).toBeInTheDocument();

    const to = section.getByLabelText(`ראשון ${he.hours.to} 2`);
    const from = section.getByLabelText(`ראשון ${he.hours.from} 2`);
    await userEvent.clear(from);
    await userEvent.type(from, '22:00');
    await userEvent.clear(to);
    await userEvent.type(to, '02:00');
    await userEvent.click(section.getByRole('button', { name: he.hours.save }));
    expect(await section.findByText(he.hours.backwards('ראשון'))).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await userEvent.click(section.getByRole('button', { name: he.hours.removeRange('ראשון', 2) }));
    await userEvent.click(section.getByRole('button', { name: he.hours.save }));
    expect(await section.findByText(`${he.hours.invalid} city: unknown city`)).toBeInTheDocument();
  }, 20_000);

  it('is read-only for an agent', async () => {
    hoursApi('agent');
    const section = await hoursSection();
    expect(section.queryByRole('button', { name: he.hours.save })).toBeNull();
    expect(section.getByRole('combobox', { name: he.hours.city })).toBeDisabled();
  });
});
