import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { formatDateTime } from '../lib/format';
import type { TaxAuthorityStatus } from '../lib/types';
import { ErrorNotice, Loading, WordedError } from './Notice';
import { useToast } from './Toasts';

/** The settings card: whether the business is connected to the Tax Authority, and the connect button. */
export function TaxAuthorityConnect({ canEdit }: { canEdit: boolean }) {
  const [status, setStatus] = useState<TaxAuthorityStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api<TaxAuthorityStatus>('/api/tax-authority').then((s) => {
      setStatus(s);
      setError(null);
    }, setError);
  }, []);
  useEffect(load, [load]);

  async function connect() {
    setBusy(true);
    setError(null);
    try {
      const { authorize_url } = await api<{ authorize_url: string }>('/api/tax-authority/connect', { method: 'POST' });
      window.location.assign(authorize_url);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  async function disconnect() {
    setError(null);
    try {
      setStatus(await api<TaxAuthorityStatus>('/api/tax-authority', { method: 'DELETE' }));
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="tax-authority-title">
      <h2 id="tax-authority-title">{he.taxAuthority.title}</h2>
      <p className="muted">{he.taxAuthority.intro}</p>
      {error ? <ErrorNotice error={error} onRetry={load} /> : null}
      {!status && !error ? <Loading /> : null}
      {status && !status.configured && <p className="notice notice-warning">{he.taxAuthority.notConfigured}</p>}
      {status && status.configured && (
        <>
          <p>
            <strong>{status.connected ? he.taxAuthority.connected : he.taxAuthority.notConnected}</strong>
            {status.environment ? ` · ${he.taxAuthority.environment[status.environment] ?? status.environment}` : ''}
            {status.connected && status.connected_at ? ` · ${he.taxAuthority.connectedAt(formatDateTime(status.connected_at))}` : ''}
          </p>
          {status.awaiting > 0 && <p role="status">{he.taxAuthority.awaiting(status.awaiting)}</p>}
          {canEdit ? (
            <div className="form-actions">
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void connect()}>
                {status.connected ? he.taxAuthority.reconnect : he.taxAuthority.connect}
              </button>
              {status.connected && (
                <button type="button" className="btn btn-ghost" onClick={() => void disconnect()}>
                  {he.taxAuthority.disconnect}
                </button>
              )}
            </div>
          ) : (
            <p className="muted">{he.taxAuthority.onlyAdmins}</p>
          )}
        </>
      )}
    </section>
  );
}

/** `/settings/tax-authority/callback?code=&state=`: where the Tax Authority sends the owner back. */
export function TaxAuthorityCallbackPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const toast = useToast();
  const [error, setError] = useState<unknown>(null);
  const sent = useRef(false);
  const code = params.get('code');
  const state = params.get('state');

  useEffect(() => {
    if (sent.current || !code || !state) return;
    sent.current = true;
    api('/api/tax-authority/callback', { method: 'POST', body: { code, state } }).then(() => {
      toast(he.taxAuthority.done, 'success');
      navigate('/settings', { replace: true });
    }, setError);
  }, [code, state, navigate, toast]);

  const worded = (e: unknown) => (e instanceof ApiError && e.status === 422 ? he.taxAuthority.refused : null);
  return (
    <main className="page">
      <h1>{he.taxAuthority.title}</h1>
      <section className="card">
        {!code || !state ? (
          <p className="notice notice-error" role="alert">
            {he.taxAuthority.missing}
          </p>
        ) : error ? (
          <WordedError error={error} text={worded} />
        ) : (
          <p role="status">{he.taxAuthority.completing}</p>
        )}
        <p>
          <Link to="/settings">{he.taxAuthority.back}</Link>
        </p>
      </section>
    </main>
  );
}
