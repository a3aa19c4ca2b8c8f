import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { formatPhone, samePhone, telHref } from '../lib/format';
import { subscribe } from '../lib/socket';
import type { Customer, TimelineItem, WhatsAppItem } from '../lib/types';
import { ActionBar } from '../components/ActionBar';
import { AgentPause } from '../components/AgentPause';
import { ScheduledMessages } from '../components/ScheduledMessages';
import { useBusiness } from '../lib/business';
import { Timeline } from '../components/Timeline';
import { ErrorNotice, Loading } from '../components/Notice';

export function CustomerPage() {
  const { business, user } = useBusiness();
  const { id = '' } = useParams();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [items, setItems] = useState<TimelineItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [timelineError, setTimelineError] = useState<unknown>(null);
  // Messages just sent: shown as pending until the timeline has them (stored by the CRM a moment
  // after the send; sent messages raise no live event, so the timeline is reloaded a few times).
  const [pending, setPending] = useState<WhatsAppItem[]>([]);
  const timers = useRef<number[]>([]);
  useEffect(() => () => timers.current.forEach((t) => window.clearTimeout(t)), []);

  const loadTimeline = useCallback(async () => {
    try {
      setItems(await api<TimelineItem[]>(`/api/customers/${encodeURIComponent(id)}/timeline?limit=50`));
      setTimelineError(null);
    } catch (e) {
      setTimelineError(e);
    }
  }, [id]);

  useEffect(() => {
    setError(null);
    api<Customer>(`/api/crm/customers/${encodeURIComponent(id)}`).then(setCustomer, setError);
    void loadTimeline();
  }, [id, loadTimeline]);

  const onWhatsAppSent = useCallback(
    (item: WhatsAppItem) => {
      setPending((p) => [item, ...p]);
      for (const ms of PENDING_RELOADS_MS) timers.current.push(window.setTimeout(() => void loadTimeline(), ms));
    },
    [loadTimeline],
  );
  const shown = useMemo(() => withPending(items, pending), [items, pending]);

  // Live: a call (each of its turns), message or due task of this customer reloads the timeline,
  // once for a burst of events. Inbound calls are published before the CRM links them to a
  // customer, so an event without this customer's id is still theirs when it is from their phone.
  const phone = customer?.phone;
  useEffect(() => {
    let timer: number | undefined;
    const stop = subscribe((_event, payload) => {
      if (!aboutCustomer(payload, id, phone)) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void loadTimeline(), LIVE_RELOAD_DEBOUNCE_MS);
    });
    return () => {
      stop();
      window.clearTimeout(timer);
    };
  }, [id, phone, loadTimeline]);

  if (error) {
    return (
      <main className="page">
        <Link to="/crm">{he.customer.back}</Link>
        {error instanceof ApiError && error.status === 404 ? <p className="empty">{he.customer.notFound}</p> : <ErrorNotice error={error} />}
      </main>
    );
  }
  if (!customer) return <Loading />;
  return (
    <main className="page">
      <Link to="/crm" className="back-link">
        {he.customer.back}
      </Link>
      <section className="card customer-header" aria-label={he.customer.details}>
        <h1>{customer.name}</h1>
        <a className="phone" dir="ltr" href={telHref(customer.phone)}>
          {formatPhone(customer.phone)}
        </a>
        {customer.email && (
          <span dir="ltr" className="muted">
            {customer.email}
          </span>
        )}
        <span className={`badge badge-${customer.status}`}>{he.customers.status[customer.status] ?? customer.status}</span>
        {customer.notes && <p className="notes">{customer.notes}</p>}
        <AgentPause customerId={customer.id} />
      </section>
      <ActionBar customer={customer} onChanged={loadTimeline} onWhatsAppSent={onWhatsAppSent} />
      {business?.features.whatsapp_enabled && <ScheduledMessages customerId={customer.id} canWrite={user?.role !== 'read_only'} />}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">
          {he.timeline.title} <span className="muted live">· {he.timeline.live}</span>
        </h2>
        {timelineError ? <ErrorNotice error={timelineError} onRetry={loadTimeline} /> : !shown ? <Loading /> : <Timeline items={shown} />}
      </section>
    </main>
  );
}

/** How long the timeline waits after a live event for the next one before reloading. */
const LIVE_RELOAD_DEBOUNCE_MS = 250;

/** Whether a live event's payload is about customer `id` (whose phone is `phone`). */
export function aboutCustomer(payload: Record<string, unknown>, id: string, phone: string | undefined): boolean {
  if (payload.customer_id === id) return true;
  return typeof payload.from === 'string' && samePhone(payload.from, phone);
}

/** When the timeline is reloaded after a message was sent. */
const PENDING_RELOADS_MS = [1000, 3000, 10000];

/** The timeline with the messages just sent that it does not have yet on top (newest first). */
export function withPending(items: TimelineItem[] | null, pending: WhatsAppItem[]): TimelineItem[] | null {
  if (!items) return items;
  const stored = new Set(
    items.flatMap((i) => (i.type === 'whatsapp' && i.provider_message_id ? [i.provider_message_id] : [])),
  );
  const waiting = pending.filter((p) => !stored.has(p.provider_message_id ?? ''));
  return waiting.length ? [...waiting, ...items] : items;
}
