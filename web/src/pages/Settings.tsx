import { useCallback, useEffect, useState } from 'react';
import { he } from '../strings';
import { api } from '../lib/api';
import { useBusiness } from '../lib/business';
import type { Features } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { useToast } from '../components/Toasts';
import { enablePush, pushSupported } from '../lib/push';

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
  const { business, reload } = useBusiness();
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
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!pushSupported()) return null;
  async function enable() {
    setBusy(true);
    setError(null);
    try {
      toast((await enablePush()) ? he.settings.pushOn : he.settings.pushDenied, 'success');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
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
