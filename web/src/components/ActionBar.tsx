import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api, getUser } from '../lib/api';
import { formatDateTime } from '../lib/format';
import type { Customer, Page, WhatsAppItem } from '../lib/types';
import { Icon } from './Icon';
import { InvoiceFlow, ProposalFlow, SignatureFlow } from './DocumentFlows';
import { Modal } from './Modal';
import { ErrorNotice, Loading } from './Notice';
import { useToast } from './Toasts';
import { useBusiness } from '../lib/business';
import type { Features } from '../lib/types';
import { useSubmit } from '../lib/submit';

type Flow = 'call' | 'whatsapp' | 'task' | 'proposal' | 'signature' | 'invoice' | null;

interface WhatsAppMessage {
  id: string;
  direction: string;
  body: string;
  status: string;
  created_at: string | null;
}

/** A message just accepted for sending, shown as pending until the stored one replaces it. */
export function pendingWhatsApp(messageId: string, body: string, now = new Date()): WhatsAppItem {
  const at = now.toISOString();
  return {
    type: 'whatsapp',
    id: `pending-${messageId}`,
    ts: at,
    direction: 'outbound',
    body,
    status: 'pending',
    created_at: at,
    provider_message_id: messageId,
  };
}

export function ActionBar({
  customer,
  onChanged,
  onWhatsAppSent,
}: {
  customer: Customer;
  onChanged: () => void;
  /** A WhatsApp message was accepted for sending (it is stored a moment later). */
  onWhatsAppSent?: (item: WhatsAppItem) => void;
}) {
  const [flow, setFlow] = useState<Flow>(null);
  const close = useCallback(() => setFlow(null), []);
  const { business } = useBusiness();
  const buttons: { key: Exclude<Flow, null>; label: string; icon: string; flag: keyof Features; feature: string }[] = [
    { key: 'call', label: he.actions.call, icon: 'call', flag: 'voice_enabled', feature: 'voice' },
    { key: 'whatsapp', label: he.actions.whatsapp, icon: 'whatsapp', flag: 'whatsapp_enabled', feature: 'whatsapp' },
    { key: 'task', label: he.actions.task, icon: 'task', flag: 'crm_enabled', feature: 'crm' },
    { key: 'proposal', label: he.actions.proposal, icon: 'proposal', flag: 'proposals_enabled', feature: 'proposals' },
    { key: 'signature', label: he.actions.signature, icon: 'signature', flag: 'signature_enabled', feature: 'signature' },
    { key: 'invoice', label: he.actions.invoice, icon: 'invoice', flag: 'invoices_enabled', feature: 'invoices' },
  ];
  return (
    <>
      <nav className="action-bar" aria-label={he.customer.actions}>
        {buttons.map((b) => {
          const off = business ? !business.features[b.flag] : false;
          return (
            <button
              key={b.key}
              type="button"
              className="action"
              disabled={off}
              title={off ? he.actionDisabled(he.features[b.feature]) : undefined}
              onClick={() => setFlow(b.key)}
            >
              <Icon name={b.icon} />
              <span>{b.label}</span>
            </button>
          );
        })}
      </nav>
      {flow === 'call' && <CallFlow customer={customer} onClose={close} onDone={onChanged} />}
      {flow === 'whatsapp' && (
        <WhatsAppFlow customer={customer} onClose={close} onDone={onChanged} onSent={onWhatsAppSent} />
      )}
      {flow === 'task' && <TaskFlow customer={customer} onClose={close} onDone={onChanged} />}
      {flow === 'proposal' && <ProposalFlow customer={customer} onClose={close} onDone={onChanged} />}
      {flow === 'signature' && <SignatureFlow customer={customer} onClose={close} onDone={onChanged} />}
      {flow === 'invoice' && <InvoiceFlow customer={customer} onClose={close} onDone={onChanged} />}
    </>
  );
}

interface FlowProps {
  customer: Customer;
  onClose: () => void;
  onDone: () => void;
}

function CallFlow({ customer, onClose, onDone }: FlowProps) {
  const toast = useToast();
  const [agentPhone, setAgentPhone] = useState(localStorage.getItem('al.agentPhone') ?? '');
  const { busy, error, run } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await api('/api/calls', { method: 'POST', body: { customer_id: customer.id, agent_phone: agentPhone.trim() } });
      localStorage.setItem('al.agentPhone', agentPhone.trim());
      toast(he.actions.callStarted, 'success');
      onDone();
      onClose();
    });
  }
  return (
    <Modal title={`${he.actions.call} · ${customer.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{he.actions.agentPhone}</span>
          <input type="tel" dir="ltr" required value={agentPhone} onChange={(e) => setAgentPhone(e.target.value)} />
        </label>
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !agentPhone.trim()}>
            {he.actions.startCall}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function WhatsAppFlow({
  customer,
  onClose,
  onDone,
  onSent,
}: FlowProps & { onSent?: (item: WhatsAppItem) => void }) {
  const toast = useToast();
  const [thread, setThread] = useState<WhatsAppMessage[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [text, setText] = useState('');
  const { busy, error, run } = useSubmit();

  const load = useCallback(async () => {
    try {
      const page = await api<Page<WhatsAppMessage>>(`/api/customers/${customer.id}/whatsapp?limit=50`);
      setThread([...page.items].reverse());
    } catch (err) {
      setLoadError(err);
    }
  }, [customer.id]);
  useEffect(() => {
    void load();
  }, [load]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    await run(async () => {
      const body = text.trim();
      const sent = await api<{ message_id: string; status: string }>('/api/whatsapp/send', {
        method: 'POST',
        body: { to: customer.id, text: body },
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      setText('');
      toast(he.actions.whatsappSent, 'success');
      const item = pendingWhatsApp(sent.message_id, body);
      // Shown at once; the stored message (sent, then delivered, read) replaces it.
      setThread((t) => [...(t ?? []), item]);
      onSent?.(item);
      onDone();
    });
  }
  return (
    <Modal title={`${he.actions.whatsappThread} · ${customer.name}`} onClose={onClose}>
      {loadError ? (
        <ErrorNotice error={loadError} />
      ) : !thread ? (
        <Loading />
      ) : thread.length === 0 ? (
        <p className="empty">{he.actions.whatsappEmpty}</p>
      ) : (
        <ol className="thread">
          {thread.map((m) => (
            <li key={m.id} className={`bubble ${m.direction === 'outbound' ? 'bubble-out' : 'bubble-in'}`}>
              <p>{m.body}</p>
              <footer className="bubble-meta">
                {formatDateTime(m.created_at)} {m.direction === 'outbound' && (he.timeline.waStatus[m.status] ?? m.status)}
              </footer>
            </li>
          ))}
        </ol>
      )}
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{he.actions.whatsappText}</span>
          <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !text.trim()}>
            {he.send}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function TaskFlow({ customer, onClose, onDone }: FlowProps) {
  const toast = useToast();
  const [title, setTitle] = useState('');
  const [due, setDue] = useState('');
  const { busy, error, run } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) return;
    await run(async () => {
      await api('/api/tasks', {
        method: 'POST',
        body: {
          title: title.trim(),
          customer_id: customer.id,
          due_at: due ? new Date(due).toISOString() : null,
          assignee_id: getUser()?.id ?? null,
        },
      });
      toast(he.actions.taskCreated, 'success');
      onDone();
      onClose();
    });
  }
  return (
    <Modal title={`${he.actions.task} · ${customer.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{he.actions.taskTitle}</span>
          <input required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label className="field">
          <span>{he.actions.taskDue}</span>
          <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
        </label>
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !title.trim()}>
            {he.create}
          </button>
        </div>
      </form>
    </Modal>
  );
}
