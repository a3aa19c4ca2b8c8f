import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError, errorText } from '../lib/api';
import { formatDate, formatPhone } from '../lib/format';
import type { Customer } from '../lib/types';
import { useCustomerPages, useInfiniteScroll, type CustomerPages } from '../lib/customerPages';
import { subscribe } from '../lib/socket';
import { ErrorNotice, Loading } from '../components/Notice';
import { Modal } from '../components/Modal';
import { CsvExport, CsvImport } from '../components/CsvImport';
import { useToast } from '../components/Toasts';

const STATUSES = ['lead', 'active', 'inactive'];
/** Live changes arrive in bursts (an import, a call creating a lead): one reload per burst. */
const LIVE_DEBOUNCE_MS = 400;

export function CustomerListPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const view = params.get('view') === 'board' ? 'board' : 'list';
  const [query, setQuery] = useState(q);
  const [creating, setCreating] = useState(false);
  const [disabled, setDisabled] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const t = he.customers;
  const [importing, setImporting] = useState(false);

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
    update({ q: query.trim() });
  }

  const onError = useCallback((e: unknown) => setDisabled(e instanceof ApiError && Boolean(e.disabledFeature)), []);

  return (
    <main className="page">
      <div className="page-header">
        <h1>{t.title}</h1>
        {!disabled && (
          <div className="csv-export">
            <CsvExport />
            <button type="button" className="btn" onClick={() => setImporting(true)}>
              {he.csv.importButton}
            </button>
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              {t.newCustomer}
            </button>
          </div>
        )}
      </div>
      {importing && <CsvImport onClose={() => setImporting(false)} onImported={() => setReloadKey((k) => k + 1)} />}
      {!disabled && (
        <div className="filters">
          <div className="segmented" role="group" aria-label={t.views}>
            {(['list', 'board'] as const).map((v) => (
              <button key={v} type="button" className="btn btn-ghost" aria-pressed={view === v} onClick={() => update({ view: v === 'board' ? 'board' : '' })}>
                {t[v]}
              </button>
            ))}
          </div>
          <form role="search" onSubmit={onSearch} className="search">
            <label className="visually-hidden" htmlFor="customer-search">
              {t.searchLabel}
            </label>
            <input id="customer-search" type="search" placeholder={t.search} value={query} onChange={(e) => setQuery(e.target.value)} />
          </form>
          {view === 'list' && (
            <label className="field-inline">
              <span>{t.statusFilter}</span>
              <select value={status} onChange={(e) => update({ status: e.target.value })}>
                <option value="">{t.allStatuses}</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t.status[s]}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}
      {view === 'board' ? (
        <LeadsBoard key={reloadKey} q={q} onError={onError} />
      ) : (
        <CustomerRows key={reloadKey} q={q} status={status} onError={onError} />
      )}
      {creating && (
        <NewCustomerModal
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            setReloadKey((k) => k + 1);
          }}
        />
      )}
    </main>
  );
}

/** Reloads `pages` (debounced) when a customer is created, changed or deleted elsewhere. */
function useLiveCustomers(reload: () => void) {
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribe((event) => {
      if (event !== 'customer:changed') return;
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(), LIVE_DEBOUNCE_MS);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, []);
}

/** The list view: every customer matching the search and the status filter, newest first, the
 *  next page loaded as the end of the list scrolls into view. */
function CustomerRows({ q, status, onError }: { q: string; status: string; onError: (e: unknown) => void }) {
  const pages = useCustomerPages(q, status);
  const { items, total, error, hasMore, loadingMore, more, reload } = pages;
  const sentinel = useInfiniteScroll(() => void more(), hasMore && !loadingMore);
  const t = he.customers;
  useLiveCustomers(() => void reload());
  // Before the page shows: a disabled feature hides the actions at once.
  useLayoutEffect(() => {
    if (error) onError(error);
  }, [error, onError]);

  if (error && !items) return <ErrorNotice error={error} onRetry={() => void reload()} />;
  if (!items) return <Loading />;
  if (items.length === 0) return <p className="empty">{q || status ? t.noMatch : t.empty}</p>;
  return (
    <>
      <p className="muted">{t.count(total)}</p>
      <ul className="customer-list">
        {items.map((c) => (
          <li key={c.id} className="card customer-row">
            <Link to={`/crm/customers/${c.id}`} className="customer-link">
              <span className="customer-name">{c.name}</span>
              <span className="phone" dir="ltr">
                {formatPhone(c.phone)}
              </span>
            </Link>
            <span className={`badge badge-${c.status}`}>{t.status[c.status] ?? c.status}</span>
            <span className="muted customer-date">{formatDate(c.created_at)}</span>
          </li>
        ))}
      </ul>
      {error ? <ErrorNotice error={error} onRetry={() => void more()} /> : null}
      <ListEnd hasMore={hasMore} loadingMore={loadingMore} sentinel={sentinel} more={more} endText={t.end} />
    </>
  );
}

/** The end of a paged list: what IntersectionObserver watches (or a button where there is none),
 *  "loading…" while the next page comes, and a last line once everything is shown. */
function ListEnd({
  hasMore,
  loadingMore,
  sentinel,
  more,
  endText,
}: {
  hasMore: boolean;
  loadingMore: boolean;
  sentinel: ((node: Element | null) => void) | null;
  more: () => Promise<void>;
  endText?: string;
}) {
  const t = he.customers;
  if (!hasMore) return endText ? <p className="muted list-end">{endText}</p> : null;
  return (
    <div className="list-end" ref={sentinel ?? undefined} data-testid="list-end">
      {loadingMore ? (
        <span className="muted" role="status">
          {t.loadingMore}
        </span>
      ) : sentinel ? null : (
        <button type="button" className="btn btn-ghost" onClick={() => void more()}>
          {t.more}
        </button>
      )}
    </div>
  );
}

/** The leads board: a column per status with its count; a card moves to another status by
 *  dragging it, by its status menu, or with the arrow keys while it has the focus. */
function LeadsBoard({ q, onError }: { q: string; onError: (e: unknown) => void }) {
  const lead = useCustomerPages(q, 'lead');
  const active = useCustomerPages(q, 'active');
  const inactive = useCustomerPages(q, 'inactive');
  const columns: Record<string, CustomerPages> = { lead, active, inactive };
  const [announcement, setAnnouncement] = useState('');
  const [dragOver, setDragOver] = useState<string | null>(null);
  const toast = useToast();
  const t = he.customers;
  const b = t.board_;
  const all = useRef(columns);
  all.current = columns;
  useLiveCustomers(() => {
    for (const c of Object.values(all.current)) void c.reload();
  });
  const error = lead.error ?? active.error ?? inactive.error;
  // Before the page shows: a disabled feature hides the actions at once.
  useLayoutEffect(() => {
    if (error) onError(error);
  }, [error, onError]);

  async function move(customer: Customer, to: string, refocus = false) {
    const from = customer.status;
    if (from === to || !columns[to] || !columns[from]) return;
    const moved = { ...customer, status: to };
    const label = t.status[to] ?? to;
    columns[from].update((items) => items.filter((c) => c.id !== customer.id), -1);
    columns[to].update((items) => [moved, ...items.filter((c) => c.id !== customer.id)], 1);
    setAnnouncement(b.moved(customer.name, label));
    if (refocus) {
      // The card is rendered anew in its new column: give it the focus back.
      requestAnimationFrame(() => document.getElementById(cardId(customer.id))?.focus());
    }
    try {
      await api<Customer>(`/api/crm/customers/${customer.id}`, { method: 'PATCH', body: { status: to } });
    } catch (e) {
      columns[to].update((items) => items.filter((c) => c.id !== customer.id), -1);
      columns[from].update((items) => [customer, ...items.filter((c) => c.id !== customer.id)], 1);
      setAnnouncement(b.failed(customer.name));
      toast(`${b.failed(customer.name)} ${errorText(e)}`, 'error');
    }
  }

  function onKey(e: KeyboardEvent, customer: Customer) {
    // Columns run from the right (lead) to the left (inactive): the arrows move that way.
    const i = STATUSES.indexOf(customer.status);
    const step = e.key === 'ArrowLeft' ? 1 : e.key === 'ArrowRight' ? -1 : 0;
    const to = STATUSES[i + step];
    if (!step || !to || e.target !== e.currentTarget) return;
    e.preventDefault();
    void move(customer, to, true);
  }

  if (error && !lead.items && !active.items && !inactive.items) return <ErrorNotice error={error} onRetry={() => Object.values(columns).forEach((c) => void c.reload())} />;
  return (
    <section className="board" aria-label={b.label}>
      <p className="muted board-help" id="board-help">
        {b.help}
      </p>
      <div className="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </div>
      <div className="board-columns">
        {STATUSES.map((status) => (
          <BoardColumn
            key={status}
            status={status}
            pages={columns[status]}
            over={dragOver === status}
            onDragOver={(over) => setDragOver(over ? status : null)}
            onDrop={(id) => {
              setDragOver(null);
              const c = Object.values(columns)
                .flatMap((p) => p.items ?? [])
                .find((x) => x.id === id);
              if (c) void move(c, status);
            }}
            onMove={(c, to) => void move(c, to)}
            onKey={onKey}
          />
        ))}
      </div>
    </section>
  );
}

const cardId = (id: string) => `board-card-${id}`;

function BoardColumn({
  status,
  pages,
  over,
  onDragOver,
  onDrop,
  onMove,
  onKey,
}: {
  status: string;
  pages: CustomerPages;
  over: boolean;
  onDragOver: (over: boolean) => void;
  onDrop: (id: string) => void;
  onMove: (c: Customer, to: string) => void;
  onKey: (e: KeyboardEvent, c: Customer) => void;
}) {
  const t = he.customers;
  const { items, total, hasMore, loadingMore, more } = pages;
  const sentinel = useInfiniteScroll(() => void more(), hasMore && !loadingMore);
  const headingId = `board-${status}`;
  return (
    <section
      className={`board-column card ${over ? 'drag-over' : ''}`}
      aria-labelledby={headingId}
      data-status={status}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        onDragOver(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) onDragOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        const id = e.dataTransfer.getData('text/plain');
        if (id) onDrop(id);
      }}
    >
      <h2 className="board-heading">
        <span id={headingId} className={`badge badge-${status}`}>
          {t.status[status]}
        </span>
        <span className="board-count" aria-label={t.board_.column(t.status[status], total)}>
          {items ? total.toLocaleString('he-IL') : '…'}
        </span>
      </h2>
      {!items ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted board-empty">{t.board_.empty}</p>
      ) : (
        <ul className="board-cards">
          {items.map((c) => (
            <li
              key={c.id}
              id={cardId(c.id)}
              className="board-card"
              draggable
              tabIndex={0}
              aria-describedby="board-help"
              aria-label={`${c.name}, ${t.status[c.status] ?? c.status}`}
              onDragStart={(e) => {
                e.dataTransfer.setData('text/plain', c.id);
                e.dataTransfer.effectAllowed = 'move';
              }}
              onKeyDown={(e) => onKey(e, c)}
            >
              <Link to={`/crm/customers/${c.id}`} className="customer-name" draggable={false}>
                {c.name}
              </Link>
              <span className="phone muted" dir="ltr">
                {formatPhone(c.phone)}
              </span>
              <label className="board-move">
                <span className="visually-hidden">{t.board_.moveTo(c.name)}</span>
                <select value={c.status} onChange={(e) => onMove(c, e.target.value)}>
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t.status[s]}
                    </option>
                  ))}
                </select>
              </label>
            </li>
          ))}
        </ul>
      )}
      {items && <ListEnd hasMore={hasMore} loadingMore={loadingMore} sentinel={sentinel} more={more} />}
    </section>
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
