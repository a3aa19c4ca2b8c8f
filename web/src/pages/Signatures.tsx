import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { useFeature } from '../lib/business';
import { useCustomerNames } from '../lib/customers';
import { formatDate, formatDateTime, formatMoney } from '../lib/format';
import type { Contract, Page, Proposal, SignatureLink } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';
import { CopyButton } from '../components/CopyButton';
import { useSubmit } from '../lib/submit';

interface SignatureRecord {
  id: string;
  status: string;
  signer_name: string | null;
  signed_at: string | null;
}

/** Contracts with their signature state, and proposals waiting for the customer's signature. */
export function SignaturesPage() {
  const enabled = useFeature('signature_enabled');
  const t = he.signatures;
  if (!enabled) {
    return (
      <main className="page">
        <h1>{t.title}</h1>
        <div className="notice notice-warning" role="alert">
          <span>{he.featureDisabled(he.features.signature)}</span>
          <Link to="/settings">{he.calendar.toSettings}</Link>
        </div>
      </main>
    );
  }
  return (
    <main className="page">
      <h1>{t.title}</h1>
      <p className="muted">{t.newLinkHelp}</p>
      <ContractsSection />
      <ProposalsSection />
    </main>
  );
}

function useList<T>(path: string) {
  const [data, setData] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      setData(await api<Page<T>>(path));
    } catch (e) {
      setError(e);
    }
  }, [path]);
  useEffect(() => {
    void load();
  }, [load]);
  return { data, error, load };
}

function ContractsSection() {
  const t = he.signatures;
  const { data, error, load } = useList<Contract>('/api/contracts?limit=100');
  const names = useCustomerNames(data?.items.map((c) => c.customer_id) ?? []);
  return (
    <section className="card" aria-labelledby="contracts-title">
      <h2 id="contracts-title">{t.contracts}</h2>
      {error ? (
        <ErrorNotice error={error} onRetry={load} />
      ) : !data ? (
        <Loading />
      ) : data.items.length === 0 ? (
        <p className="empty">{t.emptyContracts}</p>
      ) : (
        <ul className="doc-list">
          {data.items.map((c) => (
            <li key={c.id} className="doc-row contract-row">
              <div className="doc-main">
                <span className="doc-title">{c.title}</span>
                <Link to={`/crm/customers/${c.customer_id}`} className="doc-customer">
                  {names[c.customer_id] ?? he.proposals.unknownCustomer}
                </Link>
              </div>
              <span className={`badge badge-sig-${c.status}`}>{t.state[c.status] ?? c.status}</span>
              <span className="muted doc-date">{formatDate(c.updated_at ?? c.created_at)}</span>
              {c.status === 'signed' ? (
                <SignedBy path={`/api/contracts/${c.id}/signatures`} />
              ) : (
                <LinkMaker path={`/api/contracts/${c.id}/signature-link`} title={c.title} onCreated={load} />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ProposalsSection() {
  const t = he.signatures;
  const proposalsOn = useFeature('proposals_enabled');
  const { data, error, load } = useList<Proposal>('/api/proposals?status=sent&limit=100');
  const names = useCustomerNames(data?.items.map((p) => p.customer_id) ?? []);
  if (!proposalsOn || (error instanceof ApiError && error.disabledFeature === 'proposals')) return null;
  return (
    <section className="card" aria-labelledby="sig-proposals-title">
      <h2 id="sig-proposals-title">{t.proposals}</h2>
      {error ? (
        <ErrorNotice error={error} onRetry={load} />
      ) : !data ? (
        <Loading />
      ) : data.items.length === 0 ? (
        <p className="empty">{t.emptyProposals}</p>
      ) : (
        <ul className="doc-list">
          {data.items.map((p) => (
            <li key={p.id} className="doc-row">
              <div className="doc-main">
                <span className="doc-title">{p.title}</span>
                <Link to={`/crm/customers/${p.customer_id}`} className="doc-customer">
                  {names[p.customer_id] ?? he.proposals.unknownCustomer}
                </Link>
              </div>
              <span className="money">
                {formatMoney(p.total_agorot)}
              </span>
              <span className="muted doc-date">{formatDate(p.created_at)}</span>
              <LinkMaker path={`/api/proposals/${p.id}/signature-link`} title={p.title} onCreated={() => {}} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Who signed and when (the first signed request of the document). */
function SignedBy({ path }: { path: string }) {
  const [signed, setSigned] = useState<SignatureRecord | null>(null);
  useEffect(() => {
    let live = true;
    api<SignatureRecord[]>(path).then(
      (rows) => live && setSigned(rows.find((r) => r.status === 'signed') ?? null),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [path]);
  if (!signed?.signed_at) return null;
  const when = formatDateTime(signed.signed_at);
  return <span className="doc-signed">{signed.signer_name ? he.signatures.signedBy(signed.signer_name, when) : he.signatures.signedAt(when)}</span>;
}

/** A button that creates a one-time signing link, then shows it with a copy button. */
function LinkMaker({ path, title, onCreated }: { path: string; title: string; onCreated: () => void }) {
  const d = he.documents;
  const [link, setLink] = useState<string | null>(null);
  const { busy, error, run } = useSubmit();

  async function create() {
    await run(async () => {
      const res = await api<SignatureLink>(path, { method: 'POST' });
      setLink(res.url);
      onCreated();
    });
  }

  return (
    <div className="link-maker">
      {link ? (
        <div className="link-row">
          <input readOnly dir="ltr" value={link} aria-label={`${d.link}: ${title}`} onFocus={(e) => e.target.select()} />
          <CopyButton key={link} text={link} />
        </div>
      ) : (
        <button type="button" className="btn btn-ghost" disabled={busy} onClick={() => void create()} aria-label={`${he.signatures.newLink}: ${title}`}>
          {he.signatures.newLink}
        </button>
      )}
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
