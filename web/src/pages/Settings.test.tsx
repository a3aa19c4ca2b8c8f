import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi, type Call } from '../test/api';
import { cleanKnowledge } from '../components/KnowledgeEditor';

vi.mock('../lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

beforeEach(() => localStorage.setItem('al.token', 'tok'));
afterEach(() => vi.unstubAllGlobals());

function renderSettings() {
  return render(
    <MemoryRouter initialEntries={['/settings']}>
      <App />
    </MemoryRouter>,
  );
}

/** The agent's definition as the API first answers it (the defaults). */
const AGENT = {
  persona: '', instructions: '', allowed_actions: ['lookup_customer', 'book_appointment', 'create_task'],
  whatsapp_agent_enabled: false, staff_silence_minutes: 30, handoff_phone: '', appointment_minutes: 30, updated_at: null,
};

/** A business kept in memory: GET /api/me shows it, PATCH /api/business changes it. */
function business(
  initial: Record<string, unknown>,
  patch?: (body: Record<string, unknown>) => Response | Record<string, unknown> | null,
  putAgent?: (body: Record<string, unknown>) => Response,
) {
  let state = { ...me().business, ...initial };
  return mockApi({
    'GET /api/business/agent': AGENT,
    'PUT /api/business/agent': (call: Call) => putAgent?.(call.body as Record<string, unknown>) ?? json(200, { ...AGENT, ...(call.body as object), updated_at: '2026-12-01T10:00:00Z' }),
    'GET /api/me': () => json(200, { ...me(), business: state }),
    'GET /api/whatsapp/status': { state: 'closed', reason: null, qr_data_url: null },
    'PATCH /api/business': (call: Call) => {
      const body = call.body as Record<string, unknown>;
      const answer = patch?.(body);
      if (answer instanceof Response) return answer;
      state = { ...state, ...(answer ?? body) };
      return json(200, state);
    },
  });
}

describe('the AI agent', () => {
  it('saves the persona, the allowed actions and the WhatsApp switch, and words a refused number in Hebrew', async () => {
    const calls = business({}, undefined, (body) =>
      body.handoff_phone === 'abc'
        ? json(422, { error: 'validation_error', message: 'handoff_phone: bad', field: 'handoff_phone' })
        : json(200, { ...AGENT, ...body, updated_at: '2026-12-01T10:00:00Z' }),
    );
    renderSettings();
    const section = within((await screen.findByRole('heading', { name: he.agent.title }, { timeout: 4000 })).closest('section')!);
    const user = userEvent.setup();
    await user.type(section.getByLabelText(he.agent.persona), 'את נועה');
    await user.click(section.getByLabelText(he.agent.actionNames.book_appointment));
    await user.click(section.getByLabelText(he.agent.actionNames.hand_off));
    await user.click(section.getByLabelText(he.agent.whatsappEnabled));
    await user.type(section.getByLabelText(he.agent.handoffPhone), 'abc');
    await user.click(section.getByRole('button', { name: he.save }));
    expect(await section.findByText(he.agent.invalid.handoff_phone)).toBeTruthy();
    await user.clear(section.getByLabelText(he.agent.handoffPhone));
    await user.click(section.getByRole('button', { name: he.save }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(2));
    const body = calls.filter((c) => c.method === 'PUT')[1].body as Record<string, unknown>;
    expect(body).toEqual({
      persona: 'את נועה', instructions: '', allowed_actions: ['lookup_customer', 'create_task', 'hand_off'],
      whatsapp_agent_enabled: true, staff_silence_minutes: 30, handoff_phone: '', appointment_minutes: 30,
    });
  }, 20000);
});

describe('knowledge Q&A', () => {
  it('drops empty rows and refuses a question without an answer', () => {
    expect(cleanKnowledge([{ q: ' שעות? ', a: ' 9-18 ' }, { q: '', a: '  ' }])).toEqual([{ q: 'שעות?', a: '9-18' }]);
    expect(cleanKnowledge([{ q: 'שאלה', a: '' }])).toBeNull();
    expect(cleanKnowledge([])).toEqual([]);
  });

  it('edits, adds and removes pairs and saves them with the greeting', async () => {
    const calls = business({
      greeting_text: 'שלום',
      knowledge: [
        { q: 'מה שעות הפעילות?', a: 'א׳-ה׳ 9-18' },
        { q: 'איפה אתם?', a: 'תל אביב' },
      ],
    });
    renderSettings();
    const section = (await screen.findByRole('heading', { name: he.settings.voice })).closest('section')!;
    const v = within(section);
    expect(v.getByLabelText(`${he.settings.question} 1`)).toHaveValue('מה שעות הפעילות?');
    await userEvent.click(v.getByRole('button', { name: he.settings.removeQa(2) }));
    expect(v.queryByLabelText(`${he.settings.question} 2`)).not.toBeInTheDocument();
    await userEvent.click(v.getByRole('button', { name: new RegExp(he.settings.addQa) }));
    await userEvent.type(v.getByLabelText(`${he.settings.question} 2`), 'יש חניה?');

    // A question without an answer is not sent.
    await userEvent.click(v.getByRole('button', { name: he.save }));
    expect(v.getByRole('alert')).toHaveTextContent(he.settings.qaIncomplete);
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);

    await userEvent.type(v.getByLabelText(`${he.settings.answer} 2`), 'כן, בחניון');
    await userEvent.clear(v.getByLabelText(he.settings.greeting));
    await userEvent.type(v.getByLabelText(he.settings.greeting), 'ברוכים הבאים');
    await userEvent.click(v.getByRole('button', { name: he.save }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({
      greeting_text: 'ברוכים הבאים',
      knowledge: [
        { q: 'מה שעות הפעילות?', a: 'א׳-ה׳ 9-18' },
        { q: 'יש חניה?', a: 'כן, בחניון' },
      ],
    });
    // The saved pairs come back from the server.
    await waitFor(() => expect(within(screen.getByRole('heading', { name: he.settings.voice }).closest('section')!).getByLabelText(`${he.settings.answer} 2`)).toHaveValue('כן, בחניון'));
  });
});

describe('voice calls', () => {
  const section = async () => within((await screen.findByRole('heading', { name: he.settings.calls })).closest('section')!);

  it('shows the saved mode and voice, and saves both', async () => {
    const calls = business({ voice_mode: 'realtime', agent_voice: 'marin', twilio_numbers: ['+97231234567'] });
    renderSettings();
    const c = await section();
    expect(c.getByLabelText(he.settings.voiceMode)).toHaveValue('realtime');
    expect(c.getByLabelText(he.settings.agentVoice)).toHaveValue('marin');
    // The test-call hint lists the business's numbers.
    expect(c.getByText(he.settings.testCall)).toBeInTheDocument();
    expect(c.getByRole('link', { name: '03-123-4567' })).toHaveAttribute('href', 'tel:+97231234567');

    await userEvent.selectOptions(c.getByLabelText(he.settings.voiceMode), he.settings.voiceModes.record);
    await userEvent.clear(c.getByLabelText(he.settings.agentVoice));
    await userEvent.type(c.getByLabelText(he.settings.agentVoice), 'he-IL-Chirp3-HD-Achird');
    await userEvent.click(c.getByRole('button', { name: he.save }));
    await waitFor(() => expect(calls.find((x) => x.method === 'PATCH')?.body).toEqual({ voice_mode: 'record', agent_voice: 'he-IL-Chirp3-HD-Achird' }));
    // Shown as saved after the reload.
    await waitFor(async () => expect((await section()).getByLabelText(he.settings.voiceMode)).toHaveValue('record'));
    expect((await section()).getByLabelText(he.settings.agentVoice)).toHaveValue('he-IL-Chirp3-HD-Achird');
  });

  it('sends automatic as null and the default voice as empty, and refuses a bad voice name', async () => {
    const calls = business({ voice_mode: 'record', agent_voice: 'alloy' });
    renderSettings();
    const c = await section();
    expect(c.getByText(he.settings.testCallNoNumbers)).toBeInTheDocument();
    // The voice input suggests the known voices.
    const list = document.getElementById(c.getByLabelText(he.settings.agentVoice).getAttribute('list')!)!;
    expect([...list.querySelectorAll('option')].map((o) => o.value)).toEqual(expect.arrayContaining(['alloy', 'marin', 'he-IL-Chirp3-HD-Achird', 'he']));

    await userEvent.clear(c.getByLabelText(he.settings.agentVoice));
    await userEvent.type(c.getByLabelText(he.settings.agentVoice), 'קול דנה');
    await userEvent.click(c.getByRole('button', { name: he.save }));
    expect(c.getByText(he.settings.agentVoiceInvalid)).toBeInTheDocument();
    expect(calls.some((x) => x.method === 'PATCH')).toBe(false);

    await userEvent.selectOptions(c.getByLabelText(he.settings.voiceMode), he.settings.voiceModes.auto);
    await userEvent.clear(c.getByLabelText(he.settings.agentVoice));
    await userEvent.click(c.getByRole('button', { name: he.save }));
    await waitFor(() => expect(calls.find((x) => x.method === 'PATCH')?.body).toEqual({ voice_mode: null, agent_voice: '' }));
    await waitFor(async () => expect((await section()).getByLabelText(he.settings.voiceMode)).toHaveValue(''));
  });

  it('explains a voice the server refuses in Hebrew', async () => {
    business({}, () => json(422, { error: 'validation_error', message: 'agent_voice: must be …', field: 'agent_voice' }));
    renderSettings();
    const c = await section();
    await userEvent.type(c.getByLabelText(he.settings.agentVoice), 'alloy');
    await userEvent.click(c.getByRole('button', { name: he.save }));
    expect(await c.findByRole('alert')).toHaveTextContent(he.settings.agentVoiceInvalid);
  });
});

describe('business details and phone numbers', () => {
  it('saves the name and the VAT rate in basis points', async () => {
    const calls = business({ name: 'העסק לדוגמה', vat_rate_bp: 1800 });
    renderSettings();
    const vat = await screen.findByLabelText(he.settings.vatRate);
    expect(vat).toHaveValue('18');
    await userEvent.clear(vat);
    await userEvent.type(vat, '101');
    const section = screen.getByRole('heading', { name: he.settings.business }).closest('section')!;
    await userEvent.click(within(section).getByRole('button', { name: he.save }));
    expect(within(section).getByText(he.settings.vatInvalid)).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText(he.settings.vatRate));
    await userEvent.type(screen.getByLabelText(he.settings.vatRate), '17.5');
    await userEvent.clear(screen.getByLabelText(he.settings.businessName));
    await userEvent.type(screen.getByLabelText(he.settings.businessName), 'מספרת דנה');
    await userEvent.click(within(section).getByRole('button', { name: he.save }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'מספרת דנה', vat_rate_bp: 1750 }));
  });

  it('shows numbers in Israeli format, adds and removes them, and explains refusals in Hebrew', async () => {
    const calls = business({ twilio_numbers: ['+97231234567'] }, (body) => {
      const list = body.twilio_numbers as string[] | undefined;
      if (list?.includes('123')) return json(422, { error: 'validation_error', message: 'twilio_numbers: "123" is not a phone number', field: 'twilio_numbers' });
      if (list?.includes('052-1111111')) return json(409, { error: 'conflict', message: '+972521111111 already answers calls for another business' });
      return list ? { twilio_numbers: list.map((n) => (n.startsWith('0') ? `+972${n.replace(/\D/g, '').slice(1)}` : n)) } : null;
    });
    renderSettings();
    const section = (await screen.findByRole('heading', { name: he.settings.numbers })).closest('section')!;
    const n = within(section);
    expect(n.getByText('03-123-4567')).toBeInTheDocument();

    await userEvent.type(n.getByLabelText(he.settings.number), '123');
    await userEvent.click(n.getByRole('button', { name: he.settings.addNumber }));
    expect(await n.findByRole('alert')).toHaveTextContent(he.settings.numberInvalid);
    expect(n.queryByText('123')).not.toBeInTheDocument();

    await userEvent.clear(n.getByLabelText(he.settings.number));
    await userEvent.type(n.getByLabelText(he.settings.number), '052-1111111');
    await userEvent.click(n.getByRole('button', { name: he.settings.addNumber }));
    expect(await n.findByRole('alert')).toHaveTextContent(he.settings.numberTaken);

    await userEvent.clear(n.getByLabelText(he.settings.number));
    await userEvent.type(n.getByLabelText(he.settings.number), '050-7654321');
    await userEvent.click(n.getByRole('button', { name: he.settings.addNumber }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').at(-1)!.body).toEqual({ twilio_numbers: ['+97231234567', '050-7654321'] }));

    // Shown as saved (E.164 from the server, in Israeli format), then removable.
    const numbersNow = () => within(screen.getByRole('heading', { name: he.settings.numbers }).closest('section')!);
    await waitFor(() => expect(numbersNow().getByText('050-765-4321')).toBeInTheDocument());
    await waitFor(() => expect(numbersNow().getByRole('button', { name: he.settings.removeNumber('03-123-4567') })).toBeEnabled());
    await userEvent.click(numbersNow().getByRole('button', { name: he.settings.removeNumber('03-123-4567') }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').at(-1)!.body).toEqual({ twilio_numbers: ['+972507654321'] }));
  });

  it('tells a user who may not change settings why', async () => {
    business({}, () => json(403, { error: 'forbidden', message: 'only an owner or admin' }));
    renderSettings();
    await userEvent.click(await screen.findByRole('button', { name: new RegExp(he.settings.addQa) }));
    const section = screen.getByRole('heading', { name: he.settings.voice }).closest('section')!;
    await userEvent.click(within(section).getByRole('button', { name: he.save }));
    expect(await within(section).findByRole('alert')).toHaveTextContent(he.settings.adminOnly);
  });
});
