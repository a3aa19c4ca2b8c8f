import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { formatDate, formatPhone } from '../lib/format';
import type { Customer, Page } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { Modal } from '../components/Modal';
import { CsvExport, CsvImport } from '../components/CsvImport';
import { useToast } from '../components/Toasts';

const LIMIT = 25;
const STATUSES = ['lead', 'active', 'inactive'];

export function CustomerListPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const [data, setData] = useState<Page<Customer> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [query, setQuery] = useState(q);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    const search = new URLSearchParams({ page: String(page), limit: String(LIMIT) });
    if (q) search.set('q', q);
    if (status) search.set('status', status);
    try {
      setData(await api<Page<Customer>>(`/api/crm/customers?${search}`));
    } catch (e) {
      setError(e);
    }
  }, [page, q, status]);

  useEffect(() => {
    void load();
  }, [load]);

  function update(next: Record<string, string>) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p);
  }

  function onSearch(e: FormEvent) {
    e.preventDefault();
    update({ q: query.trim(), page: '' });
  }

  const pages = data ? Math.max(1, Math.ceil(data.total / data.limit)) : 1;
  const disabled = error instanceof ApiError && error.disabledFeature;

  return (
    <main className="page">
      <div className="page-header">
        <h1>{he.customers.title}</h1>
        {!disabled && (
          <div className="csv-export">
            <CsvExport />
            <button type="button" className="btn" onClick={() => setImporting(true)}>
              {he.csv.importButton}
            </button>
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              {he.customers.newCustomer}
            </button>
          </div>
        )}
      </div>
      {importing && <CsvImport onClose={() => setImporting(false)} onImported={() => void load()} />}
      {!disabled && (
        <div className="filters">
          <form role="search" onSubmit={onSearch} className="search">
            <label className="visually-hidden" htmlFor="customer-search">
              {he.customers.searchLabel}
            </label>
            <input id="customer-search" type="search" placeholder={he.customers.search} value={query} onChange={(e) => setQuery(e.target.value)} />
          </form>
          <label className="field-inline">
            <span>{he.customers.statusFilter}</span>
            <select value={status} onChange={(e) => update({ status: e.target.value, page: '' })}>
              <option value="">{he.customers.allStatuses}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {he.customers.status[s]}
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
        <p className="empty">{q || status ? he.customers.noMatch : he.customers.empty}</p>
      ) : (
        <>
          <p className="muted">{he.customers.count(data.total)}</p>
          <ul className="customer-list">
            {data.items.map((c) => (
              <li key={c.id} className="card customer-row">
                <Link to={`/crm/customers/${c.id}`} className="customer-link">
                  <span className="customer-name">{c.name}</span>
                  <span className="phone" dir="ltr">
                    {formatPhone(c.phone)}
                  </span>
                </Link>
                <span className={`badge badge-${c.status}`}>{he.customers.status[c.status] ?? c.status}</span>
                <span className="muted customer-date">{formatDate(c.created_at)}</span>
              </li>
            ))}
          </ul>
          <nav className="pager" aria-label={he.customers.page(page, pages)}>
            <button type="button" className="btn btn-ghost" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>
              {he.customers.prev}
            </button>
            <span>{he.customers.page(page, pages)}</span>
            <button type="button" className="btn btn-ghost" disabled={page >= pages} onClick={() => update({ page: String(page + 1) })}>
              {he.customers.next}
            </button>
          </nav>
        </>
      )}
      {creating && (
        <NewCustomerModal
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            void load();
          }}
        />
      )}
    </main>
  );
}

function NewCustomerModal({ onClose, onCreated }: { onClose: () => void; onCreated: (c: Customer) => void }) {
  const toast = useToast();
  const [form, setForm] = useState({ name: '', phone: '', email: '', status: 'lead', notes: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!form.name.trim()) missing.name = he.required;
    if (!form.phone.trim()) missing.phone = he.required;
    setFieldErrors(missing);
    setError(null);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const created = await api<Customer>('/api/crm/customers', {
        method: 'POST',
        body: {
          name: form.name.trim(),
          phone: form.phone.trim(),
          email: form.email.trim() || null,
          status: form.status,
          notes: form.notes,
        },
      });
      toast(he.customers.created_ok, 'success');
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.field) setFieldErrors({ [err.field]: err.message });
      else if (err instanceof ApiError && err.status === 409) setFieldErrors({ phone: he.customers.duplicatePhone });
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  const field = (name: 'name' | 'phone' | 'email', label: string, type = 'text', ltr = false) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        type={type}
        dir={ltr ? 'ltr' : undefined}
        value={form[name]}
        aria-invalid={Boolean(fieldErrors[name])}
        aria-describedby={fieldErrors[name] ? `${name}-error` : undefined}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      />
      {fieldErrors[name] && (
        <span id={`${name}-error`} className="field-error">
          {fieldErrors[name]}
        </span>
      )}
    </label>
  );

  return (
    <Modal title={he.customers.newCustomer} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        {field('name', he.customers.name)}
        {field('phone', he.customers.phone, 'tel', true)}
        {field('email', he.customers.email, 'email', true)}
        <label className="field">
          <span>{he.customers.statusFilter}</span>
          <select value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {he.customers.status[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{he.customers.notes}</span>
          <textarea value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} rows={3} />
        </label>
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.create}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {he.cancel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
