import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { useBusiness } from '../lib/business';
import { formatPhone } from '../lib/format';
import type { Business, Features, Knowledge, VoiceMode } from '../lib/types';
import { cleanKnowledge, KnowledgeEditor } from '../components/KnowledgeEditor';
import { ErrorNotice, Loading, WordedError } from '../components/Notice';
import { useToast } from '../components/Toasts';
import { enablePush, pushSupported } from '../lib/push';
import { useSubmit } from '../lib/submit';
import { StaffUsers } from '../components/StaffUsers';
import { BusinessHours } from '../components/BusinessHours';
import { AgentSettings } from '../components/AgentSettings';
import { TaxAuthorityConnect } from '../components/TaxAuthority';
import { ReminderSettings } from '../components/ReminderSettings';

interface WhatsAppSession {
  state: string;
  reason: string | null;
  qr_data_url: string | null;
}

const FLAGS: (keyof Features)[] = [
  'crm_enabled', 'whatsapp_enabled', 'voice_enabled', 'signature_enabled', 'contracts_enabled',
  'proposals_enabled', 'invoices_enabled', 'calendar_enabled', 'reports_enabled',
];

export function SettingsPage() {
  const { business, user, reload } = useBusiness();
  const toast = useToast();
  const [error, setError] = useState<unknown>(null);

  async function toggle(flag: keyof Features, on: boolean) {
    setError(null);
    try {
      await api('/api/business', { method: 'PATCH', body: { features: { [flag]: on } } });
      toast(he.settings.saved, 'success');
      reload();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <main className="page">
      <h1>{he.settings.title}</h1>
      {business && (
        <>
          <BusinessDetails key={`d-${business.name}-${business.vat_rate_bp}`} business={business} onSaved={reload} />
          <VoiceAgent key={`v-${JSON.stringify([business.greeting_text, business.knowledge])}`} business={business} onSaved={reload} />
          <VoiceCalls key={`c-${business.voice_mode ?? ''}-${business.agent_voice ?? ''}`} business={business} onSaved={reload} />
          <PhoneNumbers key={`n-${(business.twilio_numbers ?? []).join()}`} business={business} onSaved={reload} />
        </>
      )}
      {!business ? (
        <Loading />
      ) : (
        <section className="card" aria-labelledby="features-title">
          <h2 id="features-title">{he.settings.features}</h2>
          <p className="muted">{business.name}</p>
          <ul className="flags">
            {FLAGS.map((flag) => (
              <li key={flag}>
                <label className="field-inline">
                  <input type="checkbox" checked={business.features[flag]} onChange={(e) => void toggle(flag, e.target.checked)} />
                  <span>{he.features[flag.replace('_enabled', '')]}</span>
                </label>
              </li>
            ))}
          </ul>
          {error ? <ErrorNotice error={error} /> : null}
        </section>
      )}
      {user && <BusinessHours canEdit={user.role === 'owner' || user.role === 'admin'} />}
      {user && business && business.features.invoices_enabled && (
        <TaxAuthorityConnect canEdit={user.role === 'owner' || user.role === 'admin'} />
      )}
      {user && (user.role === 'owner' || user.role === 'admin') && <AgentSettings />}
      {user && business?.features.whatsapp_enabled && <ReminderSettings canEdit={user.role === 'owner' || user.role === 'admin'} />}
      {user && (user.role === 'owner' || user.role === 'admin') && <StaffUsers me={user} />}
      <PushSettings />
      {business && business.features.whatsapp_enabled && <WhatsAppPairing />}
    </main>
  );
}

function WhatsAppPairing() {
  const [session, setSession] = useState<WhatsAppSession | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api<WhatsAppSession>('/api/whatsapp/status').then(
      (s) => {
        setSession(s);
        setError(null);
      },
      setError,
    );
  }, []);
  useEffect(() => {
    load();
    const timer = window.setInterval(load, 5000);
    return () => window.clearInterval(timer);
  }, [load]);

  async function act(path: string) {
    try {
      await api(path, { method: 'POST' });
      load();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="wa-title">
      <h2 id="wa-title">{he.settings.whatsapp}</h2>
      {error ? <ErrorNotice error={error} onRetry={load} /> : null}
      {!session && !error ? <Loading /> : null}
      {session && (
        <>
          <p>
            {he.settings.waState}: <strong>{he.settings.waStates[session.state] ?? session.state}</strong>
          </p>
          {session.qr_data_url && (
            <figure className="qr">
              <img src={session.qr_data_url} alt={he.settings.qrAlt} width={240} height={240} />
              <figcaption className="muted">{he.settings.qrHelp}</figcaption>
            </figure>
          )}
          <div className="form-actions">
            {session.state !== 'open' && (
              <button type="button" className="btn btn-primary" onClick={() => void act('/api/whatsapp/session/start')}>
                {he.settings.pair}
              </button>
            )}
            {session.state === 'open' && (
              <button type="button" className="btn btn-ghost" onClick={() => void act('/api/whatsapp/session/logout')}>
                {he.settings.logout}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}

function PushSettings() {
  const toast = useToast();
  const { busy, error, run } = useSubmit();
  if (!pushSupported()) return null;
  async function enable() {
    await run(async () => {
      toast((await enablePush()) ? he.settings.pushOn : he.settings.pushDenied, 'success');
    });
  }
  return (
    <section className="card" aria-labelledby="push-title">
      <h2 id="push-title">{he.settings.push}</h2>
      <p className="muted">{he.settings.pushHelp}</p>
      {error ? <ErrorNotice error={error} /> : null}
      <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void enable()}>
        {he.settings.pushEnable}
      </button>
    </section>
  );
}

/** PATCH /api/business with `body`; the saved business, or the error to show. */
function useSave(onSaved: () => void) {
  const toast = useToast();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function save(body: Record<string, unknown>): Promise<Business | null> {
    setBusy(true);
    setError(null);
    try {
      const saved = await api<Business>('/api/business', { method: 'PATCH', body });
      toast(he.settings.saved, 'success');
      onSaved();
      return saved;
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setBusy(false);
    }
  }
  return { save, error, setError, busy };
}

/** The API's error, in Hebrew for the cases the API words in English. */
function settingsErrorText(error: unknown): string | null {
  const s = he.settings;
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403 && error.code === 'forbidden') return s.adminOnly;
  if (error.status === 422 && error.field === 'twilio_numbers') return s.numberInvalid;
  if (error.status === 409) return s.numberTaken;
  if (error.status === 422 && error.field === 'vat_rate_bp') return s.vatInvalid;
  if (error.status === 422 && error.field === 'voice_mode') return s.voiceModeInvalid;
  if (error.status === 422 && error.field === 'agent_voice') return s.agentVoiceInvalid;
  return null;
}

function SettingsError({ error }: { error: unknown }) {
  return <WordedError error={error} text={settingsErrorText} />;
}

function BusinessDetails({ business, onSaved }: { business: Business; onSaved: () => void }) {
  const s = he.settings;
  const [name, setName] = useState(business.name);
  const [vat, setVat] = useState(String(business.vat_rate_bp / 100));
  const [invalid, setInvalid] = useState<{ name?: string; vat?: string }>({});
  const { save, error, busy } = useSave(onSaved);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const rate = Number(vat.replace(',', '.'));
    const found: { name?: string; vat?: string } = {};
    if (!name.trim()) found.name = he.required;
    if (vat.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 100) found.vat = s.vatInvalid;
    setInvalid(found);
    if (Object.keys(found).length) return;
    await save({ name: name.trim(), vat_rate_bp: Math.round(rate * 100) });
  }

  return (
    <section className="card" aria-labelledby="business-title">
      <h2 id="business-title">{s.business}</h2>
      <form className="form settings-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="business-name">{s.businessName}</label>
          <input id="business-name" value={name} aria-invalid={Boolean(invalid.name)} aria-describedby={invalid.name ? 'business-name-error' : undefined} onChange={(e) => setName(e.target.value)} />
          {invalid.name && <span id="business-name-error" className="field-error">{invalid.name}</span>}
        </div>
        <div className="field field-narrow">
          <label htmlFor="business-vat">{s.vatRate}</label>
          <input id="business-vat" inputMode="decimal" dir="ltr" value={vat} aria-invalid={Boolean(invalid.vat)} aria-describedby={invalid.vat ? 'business-vat-error' : undefined} onChange={(e) => setVat(e.target.value)} />
          {invalid.vat && <span id="business-vat-error" className="field-error">{invalid.vat}</span>}
        </div>
        <SettingsError error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.save}
          </button>
        </div>
      </form>
    </section>
  );
}

function VoiceAgent({ business, onSaved }: { business: Business; onSaved: () => void }) {
  const s = he.settings;
  const [greeting, setGreeting] = useState(business.greeting_text ?? '');
  const [knowledge, setKnowledge] = useState<Knowledge[]>(business.knowledge ?? []);
  const [incomplete, setIncomplete] = useState(false);
  const { save, error, busy } = useSave(onSaved);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const pairs = cleanKnowledge(knowledge);
    setIncomplete(pairs === null);
    if (pairs === null) return;
    await save({ greeting_text: greeting, knowledge: pairs });
  }

  return (
    <section className="card" aria-labelledby="voice-title">
      <h2 id="voice-title">{s.voice}</h2>
      <form className="form settings-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="greeting">{s.greeting}</label>
          <textarea id="greeting" rows={2} value={greeting} aria-describedby="greeting-help" onChange={(e) => setGreeting(e.target.value)} />
          <span id="greeting-help" className="muted">{s.greetingHelp}</span>
        </div>
        <KnowledgeEditor value={knowledge} onChange={setKnowledge} />
        {incomplete && (
          <div className="notice notice-error" role="alert">
            <span>{s.qaIncomplete}</span>
          </div>
        )}
        <SettingsError error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.save}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Voices to pick from: OpenAI's realtime voices, a Google Hebrew voice and espeak's Hebrew. */
const AGENT_VOICES = ['alloy', 'ash', 'ballad', 'cedar', 'coral', 'echo', 'marin', 'sage', 'shimmer', 'verse', 'he-IL-Chirp3-HD-Achird', 'he'];
/** What the API accepts as a voice name (empty is the default voice). */
const VOICE_NAME = /^[A-Za-z0-9_.:-]{0,64}$/;

function VoiceCalls({ business, onSaved }: { business: Business; onSaved: () => void }) {
  const s = he.settings;
  const [mode, setMode] = useState<VoiceMode | ''>(business.voice_mode ?? '');
  const [voice, setVoice] = useState(business.agent_voice ?? '');
  const [invalid, setInvalid] = useState(false);
  const { save, error, busy } = useSave(onSaved);
  const numbers = business.twilio_numbers ?? [];

  async function submit(e: FormEvent) {
    e.preventDefault();
    const name = voice.trim();
    setInvalid(!VOICE_NAME.test(name));
    if (!VOICE_NAME.test(name)) return;
    await save({ voice_mode: mode || null, agent_voice: name });
  }

  return (
    <section className="card" aria-labelledby="calls-title">
      <h2 id="calls-title">{s.calls}</h2>
      <form className="form settings-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="voice-mode">{s.voiceMode}</label>
          <select id="voice-mode" value={mode} aria-describedby="voice-mode-help" onChange={(e) => setMode(e.target.value as VoiceMode | '')}>
            <option value="">{s.voiceModes.auto}</option>
            <option value="realtime">{s.voiceModes.realtime}</option>
            <option value="record">{s.voiceModes.record}</option>
          </select>
          <span id="voice-mode-help" className="muted">{s.voiceModeHelp}</span>
        </div>
        <div className="field">
          <label htmlFor="agent-voice">{s.agentVoice}</label>
          <input
            id="agent-voice"
            dir="ltr"
            list="agent-voices"
            placeholder={s.agentVoiceDefault}
            value={voice}
            aria-invalid={invalid}
            aria-describedby={invalid ? 'agent-voice-error' : 'agent-voice-help'}
            onChange={(e) => setVoice(e.target.value)}
          />
          <datalist id="agent-voices">
            {AGENT_VOICES.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
          {invalid ? (
            <span id="agent-voice-error" className="field-error">{s.agentVoiceInvalid}</span>
          ) : (
            <span id="agent-voice-help" className="muted">{s.agentVoiceHelp}</span>
          )}
        </div>
        <SettingsError error={error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.save}
          </button>
        </div>
      </form>
      {numbers.length === 0 ? (
        <p className="muted">{s.testCallNoNumbers}</p>
      ) : (
        <>
          <p className="muted">{s.testCall}</p>
          <ul className="number-list" aria-label={s.numbers}>
            {numbers.map((n) => (
              <li key={n}>
                <a className="phone" dir="ltr" href={`tel:${n}`}>
                  {formatPhone(n)}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function PhoneNumbers({ business, onSaved }: { business: Business; onSaved: () => void }) {
  const s = he.settings;
  const [numbers, setNumbers] = useState<string[]>(business.twilio_numbers ?? []);
  const [draft, setDraft] = useState('');
  const { save, error, setError, busy } = useSave(onSaved);

  async function change(next: string[]) {
    const before = numbers;
    setNumbers(next);
    const saved = await save({ twilio_numbers: next });
    // The server's list: E.164, each number once.
    setNumbers(saved ? (saved.twilio_numbers ?? next) : before);
    return Boolean(saved);
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    const n = draft.trim();
    if (!n) {
      setError(null);
      return;
    }
    if (await change([...numbers, n])) setDraft('');
  }

  return (
    <section className="card" aria-labelledby="numbers-title">
      <h2 id="numbers-title">{s.numbers}</h2>
      <p className="muted">{s.numbersHelp}</p>
      {numbers.length === 0 ? (
        <p className="muted">{s.numbersEmpty}</p>
      ) : (
        <ul className="number-list">
          {numbers.map((n) => (
            <li key={n}>
              <span className="phone" dir="ltr">
                {formatPhone(n)}
              </span>
              <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => void change(numbers.filter((x) => x !== n))}>
                <span aria-hidden="true">✕</span>
                <span className="visually-hidden">{s.removeNumber(formatPhone(n))}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="number-add" onSubmit={add}>
        <label className="visually-hidden" htmlFor="new-number">
          {s.number}
        </label>
        <input id="new-number" type="tel" dir="ltr" placeholder="03-1234567" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {s.addNumber}
        </button>
      </form>
      <SettingsError error={error} />
    </section>
  );
}
