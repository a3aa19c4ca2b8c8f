import { useEffect, useRef, useState, type FormEvent, type PointerEvent } from 'react';
import { useParams } from 'react-router-dom';
import { he } from '../strings';
import { api, ApiError } from '../lib/api';
import { ErrorNotice, Loading } from '../components/Notice';

interface SigningDocument {
  document_type: string;
  business_name: string;
  title: string;
  body: string;
  /** Sent back with the signature: the server signs only the text it names. */
  document_sha256: string;
}

/** The public signing page a signature link opens (no account): read, draw with a finger or mouse, sign. */
export function SignPage() {
  const { token = '' } = useParams();
  const s = he.sign;
  const [doc, setDoc] = useState<SigningDocument | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [drawn, setDrawn] = useState(false);
  const [signed, setSigned] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const path = `/api/public/signatures/${encodeURIComponent(token)}`;

  useEffect(() => {
    api<SigningDocument>(path, { anonymous: true }).then(setDoc, setError);
  }, [path]);

  /** The document changed after it was shown: show the text it has now (the drawing stays). */
  function reload() {
    setChanged(false);
    setDoc(null);
    api<SigningDocument>(path, { anonymous: true }).then(setDoc, setError);
  }

  function point(e: PointerEvent<HTMLCanvasElement>) {
    const c = e.currentTarget;
    const r = c.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * c.width) / r.width, y: ((e.clientY - r.top) * c.height) / r.height };
  }
  function down(e: PointerEvent<HTMLCanvasElement>) {
    e.currentTarget.setPointerCapture(e.pointerId);
    last.current = point(e);
  }
  function move(e: PointerEvent<HTMLCanvasElement>) {
    if (!last.current) return;
    const ctx = e.currentTarget.getContext('2d');
    if (!ctx) return;
    const p = point(e);
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    ctx.strokeStyle = '#1c2333';
    ctx.beginPath();
    ctx.moveTo(last.current.x, last.current.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last.current = p;
    setDrawn(true);
  }
  function up() {
    last.current = null;
  }
  function clear() {
    const c = canvas.current;
    c?.getContext('2d')?.clearRect(0, 0, c.width, c.height);
    setDrawn(false);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!doc || !name.trim() || !drawn || !canvas.current) return;
    setBusy(true);
    setSubmitError(null);
    try {
      const png = canvas.current.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
      await api(path, {
        method: 'POST',
        body: { signer_name: name.trim(), image_png_base64: png, document_sha256: doc.document_sha256 },
        anonymous: true,
      });
      setSigned(true);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'document_changed') setChanged(true);
      else if (err instanceof ApiError && err.status === 410) setError(err);
      else setSubmitError(err);
    } finally {
      setBusy(false);
    }
  }

  if (error) {
    const gone = error instanceof ApiError && (error.status === 410 || error.status === 404);
    return (
      <main className="sign-page">
        <div className="card">{gone ? <p>{s.gone}</p> : <ErrorNotice error={error} />}</div>
      </main>
    );
  }
  if (!doc) return <Loading />;
  if (signed) {
    return (
      <main className="sign-page">
        <div className="card" role="status">
          <h1>{s.thanks}</h1>
          <p className="muted">{s.thanksBody(doc.business_name)}</p>
        </div>
      </main>
    );
  }
  return (
    <main className="sign-page">
      <article className="card">
        <p className="muted">{doc.business_name}</p>
        <h1>{doc.title}</h1>
        <div className="document-body">{doc.body}</div>
        <p className="muted hash" dir="ltr">
          SHA-256 {doc.document_sha256}
        </p>
      </article>
      <form className="card form" onSubmit={submit}>
        <label className="field">
          <span>{s.name}</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
        </label>
        <div className="field">
          <span id="sign-label">{s.draw}</span>
          <canvas
            ref={canvas}
            className="signature-pad"
            width={600}
            height={220}
            role="img"
            aria-labelledby="sign-label"
            onPointerDown={down}
            onPointerMove={move}
            onPointerUp={up}
            onPointerCancel={up}
          />
        </div>
        {changed ? (
          <div className="notice notice-warning" role="alert">
            <span>{s.changed}</span>
            <button type="button" className="btn btn-ghost" onClick={reload}>
              {s.reload}
            </button>
          </div>
        ) : null}
        {submitError ? <ErrorNotice error={submitError} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !drawn || !name.trim()}>
            {s.submit}
          </button>
          <button type="button" className="btn btn-ghost" onClick={clear}>
            {s.clear}
          </button>
        </div>
      </form>
    </main>
  );
}
