import { useEffect, useState } from 'react';
import { he } from '../strings';
import { api, errorText } from '../lib/api';
import { FIELDS, downloadCsv, uploadCsv, type CustomerImport, type ImportMapping, type ImportPreview } from '../lib/csv';
import { Modal } from './Modal';

const POLL_MS = 500;

/** The customer import: choose a file, check the preview and the column mapping, choose what to do
 * with duplicates, start, follow the progress bar, download the rows that failed. */
export function CsvImport({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<ImportMapping | null>(null);
  const [duplicates, setDuplicates] = useState<'skip' | 'merge'>('skip');
  const [validOnly, setValidOnly] = useState(false);
  const [job, setJob] = useState<CustomerImport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function choose(file: File | undefined) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const p = await uploadCsv(file);
      setPreview(p);
      setMapping(p.mapping);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function remap(field: string, value: string) {
    if (!preview || !mapping) return;
    const next = { ...mapping, [field]: value === '' ? null : Number(value) };
    setMapping(next);
    try {
      setPreview(await api<ImportPreview>(`/api/crm/imports/${preview.import.id}/preview`, { method: 'POST', body: { mapping: next } }));
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function start() {
    if (!preview || !mapping) return;
    setBusy(true);
    setError(null);
    try {
      setJob(
        await api<CustomerImport>(`/api/crm/imports/${preview.import.id}/start`, {
          method: 'POST',
          body: { mapping, duplicates, import_valid_rows: validOnly },
        }),
      );
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const running = job && (job.status === 'queued' || job.status === 'running');
  useEffect(() => {
    if (!running || !job) return;
    const timer = setTimeout(async () => {
      try {
        const next = await api<CustomerImport>(`/api/crm/imports/${job.id}`);
        setJob(next);
        if (next.status === 'done') onImported();
      } catch (e) {
        setError(errorText(e));
      }
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job, running, onImported]);

  const canStart = preview && !preview.mapping_error && preview.valid_count > 0 && (preview.error_count === 0 || validOnly);
  const percent = job && job.planned_rows > 0 ? Math.round((job.processed_rows / job.planned_rows) * 100) : job?.status === 'done' ? 100 : 0;

  return (
    <Modal title={he.csv.importTitle} onClose={onClose}>
      <div className="csv-import">
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        {!preview && (
          <div className="field">
            <label htmlFor="csv-file">{he.csv.chooseFile}</label>
            <input
              id="csv-file"
              type="file"
              accept=".csv,.txt,text/csv"
              aria-describedby="csv-file-hint"
              disabled={busy}
              onChange={(e) => void choose(e.target.files?.[0])}
            />
            <small id="csv-file-hint">{busy ? he.csv.reading : he.csv.fileHint}</small>
          </div>
        )}
        {preview && !job && mapping && (
          <>
            <p>{he.csv.summary(preview.import.total_rows, preview.import.encoding)}</p>
            <fieldset className="csv-mapping">
              <legend>{he.csv.mapping}</legend>
              {FIELDS.map((f) => (
                <label key={f} className="field-inline">
                  <span>{he.csv.field[f]}</span>
                  <select value={mapping[f] ?? ''} onChange={(e) => void remap(f, e.target.value)}>
                    <option value="">{he.csv.noColumn}</option>
                    {preview.header.map((h, i) => (
                      <option key={i} value={i}>
                        {h || `#${i + 1}`}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
            </fieldset>
            {preview.mapping_error && (
              <p className="notice notice-error" role="alert">
                {preview.mapping_error}
              </p>
            )}
            <div className="table-scroll">
              <table className="csv-table">
                <caption>{he.csv.previewRows}</caption>
                <thead>
                  <tr>
                    <th scope="col">{he.csv.line}</th>
                    {preview.header.map((h, i) => (
                      <th key={i} scope="col">
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((r) => (
                    <tr key={r.line}>
                      <td>{r.line}</td>
                      {preview.header.map((_, i) => (
                        <td key={i}>{r.cells[i] ?? ''}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <section aria-label={he.csv.errorsTitle(preview.error_count)}>
              <p>
                <strong>{preview.error_count > 0 ? he.csv.errorsTitle(preview.error_count) : he.csv.noErrors}</strong> · {he.csv.valid(preview.valid_count)}
              </p>
              {preview.errors.length > 0 && (
                <ul className="csv-errors">
                  {preview.errors.map((e) => (
                    <li key={e.line}>
                      {he.csv.line} {e.line}: {e.message}
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <fieldset>
              <legend>{he.csv.duplicates}</legend>
              <label className="field-inline">
                <input type="radio" name="duplicates" checked={duplicates === 'skip'} onChange={() => setDuplicates('skip')} />
                <span>{he.csv.skip}</span>
              </label>
              <label className="field-inline">
                <input type="radio" name="duplicates" checked={duplicates === 'merge'} onChange={() => setDuplicates('merge')} />
                <span>{he.csv.merge}</span>
              </label>
            </fieldset>
            {preview.error_count > 0 && (
              <label className="field-inline">
                <input type="checkbox" checked={validOnly} onChange={(e) => setValidOnly(e.target.checked)} />
                <span>{he.csv.validOnly}</span>
              </label>
            )}
            <div className="modal-actions">
              <button type="button" className="btn btn-primary" disabled={!canStart || busy} onClick={() => void start()}>
                {he.csv.start}
              </button>
            </div>
          </>
        )}
        {job && (
          <>
            <div
              className="progress"
              role="progressbar"
              aria-label={he.csv.progressLabel}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
            >
              <div className="progress-bar" style={{ inlineSize: `${percent}%` }} />
            </div>
            <p aria-live="polite">
              {job.status === 'done'
                ? he.csv.done(job.created, job.merged, job.skipped)
                : job.status === 'failed'
                  ? `${he.csv.failed}: ${job.failure ?? ''}`
                  : he.csv.progress(job.processed_rows, job.planned_rows)}
            </p>
            {job.errors > 0 && (
              <button
                type="button"
                className="btn"
                onClick={() => void downloadCsv(`/api/crm/imports/${job.id}/errors`, 'import-errors.csv').catch((e) => setError(errorText(e)))}
              >
                {he.csv.downloadErrors} ({job.errors.toLocaleString('he-IL')})
              </button>
            )}
          </>
        )}
      </div>
    </Modal>
  );
}

/** Export buttons: pick what, get a CSV Excel opens with Hebrew intact. */
export function CsvExport() {
  const [kind, setKind] = useState('customers');
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="csv-export">
      <label className="field-inline">
        <span className="visually-hidden">{he.csv.export}</span>
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          {Object.entries(he.csv.exportKinds).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="btn"
        onClick={() => {
          setError(null);
          void downloadCsv(`/api/exports/${kind}`, `${kind}.csv`).catch((e) => setError(errorText(e)));
        }}
      >
        {he.csv.export}
      </button>
      {error && (
        <span className="notice notice-error" role="alert">
          {he.csv.exportFailed}: {error}
        </span>
      )}
    </div>
  );
}
