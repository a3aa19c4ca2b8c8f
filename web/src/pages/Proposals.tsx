import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { useCustomerNames } from '../lib/customers';
import { formatDate, formatMoney } from '../lib/format';
import type { Page, Proposal } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';

const LIMIT = 25;
export const PROPOSAL_STATUSES = ['draft', 'sent', 'accepted', 'rejected', 'expired'];

/** Every proposal of the business, newest first, filtered by status. */
export function ProposalsPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const [data, setData] = useState<Page<Proposal> | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    setError(null);
    setData(null);
    const search = new URLSearchParams({ page: String(page), limit: String(LIMIT) });
    if (status) search.set('status', status);
    try {
      setData(await api<Page<Proposal>>(`/api/proposals?${search}`));
    } catch (e) {
      setError(e);
    }
  }, [page, status]);

  useEffect(() => {
    void load();
  }, [load]);

  const names = useCustomerNames(data?.items.map((p) => p.customer_id) ?? []);

  function update(next: Record<string, string>) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p);
  }

  const pages = data ? Math.max(1, Math.ceil(data.total / data.limit)) : 1;
  const disabled = error instanceof ApiError && error.disabledFeature;
  const t = he.proposals;

  return (
    <main className="page">
      <div className="page-header">
        <h1>{t.title}</h1>
      </div>
      {!disabled && (
        <div className="filters">
          <label className="field-inline">
            <span>{t.statusFilter}</span>
            <select value={status} onChange={(e) => update({ status: e.target.value, page: '' })}>
              <option value="">{t.allStatuses}</option>
              {PROPOSAL_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t.status[s]}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {error ? (
        <ErrorNotice error={error} onRetry={load} />
      ) : !data ? (
        <Loading />
      ) : data.items.length === 0 ? (
        <p className="empty">{status ? t.noMatch : t.empty}</p>
      ) : (
        <>
          <p className="muted">{t.count(data.total)}</p>
          <ul className="doc-list">
            {data.items.map((p) => (
              <li key={p.id} className="card doc-row proposal-row">
                <div className="doc-main">
                  <span className="doc-title">{p.title}</span>
                  <Link to={`/crm/customers/${p.customer_id}`} className="doc-customer">
                    {names[p.customer_id] ?? t.unknownCustomer}
                  </Link>
                </div>
                <span className={`badge badge-${p.status}`}>{t.status[p.status] ?? p.status}</span>
                <span className="money">
                  {formatMoney(p.total_agorot)}
                </span>
                <span className="muted doc-date">
                  {t.created} {formatDate(p.created_at)}
                  {p.valid_until && (
                    <>
                      {' · '}
                      {t.validUntil} {formatDate(p.valid_until)}
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <nav className="pager" aria-label={he.customers.page(page, pages)}>
              <button type="button" className="btn btn-ghost" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>
                {he.customers.prev}
              </button>
              <span>{he.customers.page(page, pages)}</span>
              <button type="button" className="btn btn-ghost" disabled={page >= pages} onClick={() => update({ page: String(page + 1) })}>
                {he.customers.next}
              </button>
            </nav>
          )}
        </>
      )}
    </main>
  );
}
