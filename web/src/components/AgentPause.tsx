import { useEffect, useState } from 'react';
import { he } from '../strings';
import { api } from '../lib/api';
import type { AgentConversation } from '../lib/types';
import { ErrorNotice } from './Notice';

/** On the customer page: whether the AI agent answers this customer, and a button to pause or resume it. */
export function AgentPause({ customerId }: { customerId: string }) {
  const s = he.agent;
  const path = `/api/customers/${encodeURIComponent(customerId)}/agent`;
  const [state, setState] = useState<AgentConversation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<AgentConversation>(path).then(setState).catch(setError);
  }, [path]);

  async function set(paused: boolean) {
    setBusy(true);
    setError(null);
    try {
      setState(await api<AgentConversation>(path, { method: 'PUT', body: { paused } }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (error) return <ErrorNotice error={error} />;
  if (!state) return null;
  const silent = state.paused || state.waiting_for_human;
  return (
    <div className="agent-pause" aria-label={s.conversation}>
      <span className={`badge ${silent ? 'badge-inactive' : 'badge-active'}`}>
        {state.waiting_for_human ? s.waiting : state.paused ? s.paused : s.active}
      </span>
      <button type="button" className="btn" disabled={busy} onClick={() => void set(!silent)}>
        {silent ? s.resume : s.pause}
      </button>
    </div>
  );
}
