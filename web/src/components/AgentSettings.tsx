import { useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import type { AgentDefinition } from '../lib/types';
import { ErrorNotice, Loading, WordedError } from './Notice';
import { useToast } from './Toasts';

/** Every action the agent can be allowed, in the order the API lists them. */
const ACTIONS = Object.keys(he.agent.actionNames);

function agentErrorText(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403) return he.settings.adminOnly;
  if (error.status === 422 && error.field) return he.agent.invalid[error.field] ?? null;
  return null;
}

/** The business's AI agent (owners and admins): persona, instructions, allowed actions, WhatsApp. */
export function AgentSettings() {
  const s = he.agent;
  const toast = useToast();
  const [loaded, setLoaded] = useState<AgentDefinition | null>(null);
  const [draft, setDraft] = useState<AgentDefinition | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<AgentDefinition>('/api/business/agent')
      .then((d) => {
        setLoaded(d);
        setDraft(d);
      })
      .catch(setLoadError);
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const { updated_at: _ignored, ...body } = draft;
      const saved = await api<AgentDefinition>('/api/business/agent', { method: 'PUT', body });
      setLoaded(saved);
      setDraft(saved);
      toast(he.settings.saved, 'success');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (loadError) return <section className="card"><ErrorNotice error={loadError} /></section>;
  if (!draft || !loaded) return <Loading />;
  const set = (patch: Partial<AgentDefinition>) => setDraft({ ...draft, ...patch });
  const toggle = (action: string, on: boolean) =>
    set({ allowed_actions: on ? [...draft.allowed_actions, action] : draft.allowed_actions.filter((a) => a !== action) });

  return (
    <section className="card" aria-labelledby="agent-title">
      <h2 id="agent-title">{s.title}</h2>
      <p className="muted">{s.help}</p>
      <form className="form settings-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="agent-persona">{s.persona}</label>
          <textarea id="agent-persona" rows={3} value={draft.persona} aria-describedby="agent-persona-help" onChange={(e) => set({ persona: e.target.value })} />
          <span id="agent-persona-help" className="muted">{s.personaHelp}</span>
        </div>
        <div className="field">
          <label htmlFor="agent-instructions">{s.instructions}</label>
          <textarea id="agent-instructions" rows={3} value={draft.instructions} aria-describedby="agent-instructions-help" onChange={(e) => set({ instructions: e.target.value })} />
          <span id="agent-instructions-help" className="muted">{s.instructionsHelp}</span>
        </div>
        <fieldset className="field">
          <legend>{s.actions}</legend>
          <ul className="flags">
            {ACTIONS.map((action) => (
              <li key={action}>
                <label className="field-inline">
                  <input type="checkbox" checked={draft.allowed_actions.includes(action)} onChange={(e) => toggle(action, e.target.checked)} />
                  <span>{s.actionNames[action]}</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <label className="field-inline">
          <input type="checkbox" checked={draft.whatsapp_agent_enabled} onChange={(e) => set({ whatsapp_agent_enabled: e.target.checked })} />
          <span>{s.whatsappEnabled}</span>
        </label>
        <div className="field field-narrow">
          <label htmlFor="agent-silence">{s.staffSilence}</label>
          <input id="agent-silence" type="number" min={0} max={1440} dir="ltr" value={draft.staff_silence_minutes} aria-describedby="agent-silence-help" onChange={(e) => set({ staff_silence_minutes: Number(e.target.value) })} />
          <span id="agent-silence-help" className="muted">{s.staffSilenceHelp}</span>
        </div>
        <div className="field field-narrow">
          <label htmlFor="agent-minutes">{s.appointmentMinutes}</label>
          <input id="agent-minutes" type="number" min={5} max={480} dir="ltr" value={draft.appointment_minutes} onChange={(e) => set({ appointment_minutes: Number(e.target.value) })} />
        </div>
        <div className="field">
          <label htmlFor="agent-handoff">{s.handoffPhone}</label>
          <input id="agent-handoff" type="tel" dir="ltr" value={draft.handoff_phone} aria-describedby="agent-handoff-help" onChange={(e) => set({ handoff_phone: e.target.value })} />
          <span id="agent-handoff-help" className="muted">{s.handoffPhoneHelp}</span>
        </div>
        <WordedError error={error} text={agentErrorText} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.save}
          </button>
        </div>
      </form>
    </section>
  );
}
