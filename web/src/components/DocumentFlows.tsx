import { useState, type FormEvent } from 'react';
import { he } from '../strings';
import { api } from '../lib/api';
import { useBusiness } from '../lib/business';
import { formatMoney, formatVatRate } from '../lib/format';
import { parseShekels, subtotal, vat } from '../lib/money';
import type { Customer, LineItem } from '../lib/types';
import { Modal } from './Modal';
import { ErrorNotice } from './Notice';
import { useToast } from './Toasts';
import { CopyButton } from './CopyButton';
import { useSubmit } from '../lib/submit';

interface FlowProps {
  customer: Customer;
  onClose: () => void;
  onDone: () => void;
}

interface Row {
  description: string;
  quantity: string;
  price: string;
}

const emptyRow = (): Row => ({ description: '', quantity: '1', price: '' });

function toItems(rows: Row[]): LineItem[] | null {
  const items: LineItem[] = [];
  for (const r of rows) {
    const quantity = Number(r.quantity);
    const price = parseShekels(r.price);
    if (!r.description.trim() || !Number.isInteger(quantity) || quantity < 1 || price === null) return null;
    items.push({ description: r.description.trim(), quantity, unit_price_agorot: price });
  }
  return items.length ? items : null;
}

/** Line items with live totals; VAT shown when `vatRateBp` is given (invoices). */
function LineItems({ rows, setRows, vatRateBp }: { rows: Row[]; setRows: (r: Row[]) => void; vatRateBp?: number }) {
  const d = he.documents;
  const valid = rows
    .map((r) => ({ q: Number(r.quantity), p: parseShekels(r.price) }))
    .filter((x) => Number.isInteger(x.q) && x.q > 0 && x.p !== null)
    .map((x) => ({ description: '', quantity: x.q, unit_price_agorot: x.p as number }));
  const sub = subtotal(valid);
  const update = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="line-items">
      <legend>{d.items}</legend>
      {rows.map((r, i) => (
        <div key={i} className="line-item">
          <label className="field">
            <span>{d.description}</span>
            <input value={r.description} onChange={(e) => update(i, { description: e.target.value })} />
          </label>
          <label className="field">
            <span>{d.quantity}</span>
            <input inputMode="numeric" dir="ltr" value={r.quantity} onChange={(e) => update(i, { quantity: e.target.value })} />
          </label>
          <label className="field">
            <span>{d.unitPrice}</span>
            <input inputMode="decimal" dir="ltr" value={r.price} onChange={(e) => update(i, { price: e.target.value })} />
          </label>
          {rows.length > 1 && (
            <button type="button" className="btn btn-ghost" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
              {d.removeLine}
            </button>
          )}
        </div>
      ))}
      <button type="button" className="btn btn-ghost" onClick={() => setRows([...rows, emptyRow()])}>
        {d.addLine}
      </button>
      <dl className="totals">
        <div>
          <dt>{vatRateBp === undefined ? d.totalBeforeVat : d.subtotal}</dt>
          <dd>{formatMoney(sub)}</dd>
        </div>
        {vatRateBp !== undefined && (
          <>
            <div>
              <dt>{d.vat(formatVatRate(vatRateBp))}</dt>
              <dd>{formatMoney(vat(sub, vatRateBp))}</dd>
            </div>
            <div className="grand-total">
              <dt>{d.total}</dt>
              <dd>{formatMoney(sub + vat(sub, vatRateBp))}</dd>
            </div>
          </>
        )}
      </dl>
    </fieldset>
  );
}

export function InvoiceFlow({ customer, onClose, onDone }: FlowProps) {
  const toast = useToast();
  const { business } = useBusiness();
  const [rows, setRows] = useState<Row[]>([emptyRow()]);
  const { busy, error, run } = useSubmit();
  const [invalid, setInvalid] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const items = toItems(rows);
    setInvalid(!items);
    if (!items) return;
    await run(async () => {
      await api('/api/invoices', { method: 'POST', body: { customer_id: customer.id, items } });
      toast(he.documents.invoiceCreated, 'success');
      onDone();
      onClose();
    });
  }
  return (
    <Modal title={`${he.actions.invoice} · ${customer.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <LineItems rows={rows} setRows={setRows} vatRateBp={business?.vat_rate_bp ?? 1800} />
        {invalid && <p className="field-error">{he.documents.invalidItems}</p>}
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.documents.saveDraft}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function ProposalFlow({ customer, onClose, onDone }: FlowProps) {
  const toast = useToast();
  const [title, setTitle] = useState('');
  const [rows, setRows] = useState<Row[]>([emptyRow()]);
  const { busy, error, run } = useSubmit();
  const [invalid, setInvalid] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const items = toItems(rows);
    setInvalid(!items || !title.trim());
    if (!items || !title.trim()) return;
    await run(async () => {
      await api('/api/proposals', { method: 'POST', body: { customer_id: customer.id, title: title.trim(), items } });
      toast(he.documents.proposalCreated, 'success');
      onDone();
      onClose();
    });
  }
  return (
    <Modal title={`${he.actions.proposal} · ${customer.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <label className="field">
          <span>{he.documents.title}</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <LineItems rows={rows} setRows={setRows} />
        {invalid && <p className="field-error">{he.documents.invalidItems}</p>}
        {error ? <ErrorNotice error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {he.documents.saveDraft}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** A contract to sign: written here, then a one-time public signing link to copy or send. */
export function SignatureFlow({ customer, onClose, onDone }: FlowProps) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [link, setLink] = useState<string | null>(null);
  const { busy, error, run } = useSubmit();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!title.trim() || !body.trim()) return;
    await run(async () => {
      const contract = await api<{ id: string }>('/api/contracts', {
        method: 'POST',
        body: { customer_id: customer.id, title: title.trim(), body },
      });
      const res = await api<{ url: string }>(`/api/contracts/${contract.id}/signature-link`, { method: 'POST' });
      setLink(res.url);
      onDone();
    });
  }
  const d = he.documents;
  return (
    <Modal title={`${he.actions.signature} · ${customer.name}`} onClose={onClose}>
      {link ? (
        <div className="form">
          <p>{d.linkReady}</p>
          <input readOnly dir="ltr" value={link} aria-label={d.link} onFocus={(e) => e.target.select()} />
          <div className="form-actions">
            <CopyButton text={link} />
            <a className="btn btn-ghost" href={`https://wa.me/${customer.phone.replace(/\D/g, '')}?text=${encodeURIComponent(link)}`} target="_blank" rel="noreferrer">
              {d.sendWhatsApp}
            </a>
          </div>
        </div>
      ) : (
        <form className="form" onSubmit={submit}>
          <label className="field">
            <span>{d.title}</span>
            <input required value={title} onChange={(e) => setTitle(e.target.value)} />
          </label>
          <label className="field">
            <span>{d.contractBody}</span>
            <textarea required rows={6} value={body} onChange={(e) => setBody(e.target.value)} />
          </label>
          {error ? <ErrorNotice error={error} /> : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy || !title.trim() || !body.trim()}>
              {d.createLink}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
