import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { formatPhone, telHref } from '../lib/format';
import { subscribe } from '../lib/socket';
import type { Customer, TimelineItem } from '../lib/types';
import { ActionBar } from '../components/ActionBar';
import { Timeline } from '../components/Timeline';
import { ErrorNotice, Loading } from '../components/Notice';

export function CustomerPage() {
  const { id = '' } = useParams();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [items, setItems] = useState<TimelineItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [timelineError, setTimelineError] = useState<unknown>(null);

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

  // Live: any call, message or due task of this customer reloads the timeline.
  useEffect(
    () =>
      subscribe((_event, payload) => {
        if (!payload.customer_id || payload.customer_id === id) void loadTimeline();
      }),
    [id, loadTimeline],
  );

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
      </section>
      <ActionBar customer={customer} onChanged={loadTimeline} />
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">
          {he.timeline.title} <span className="muted live">· {he.timeline.live}</span>
        </h2>
        {timelineError ? <ErrorNotice error={timelineError} onRetry={loadTimeline} /> : !items ? <Loading /> : <Timeline items={items} />}
      </section>
    </main>
  );
}
