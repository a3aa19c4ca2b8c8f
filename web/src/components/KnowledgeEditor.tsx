import { he } from '../strings';
import type { Knowledge } from '../lib/types';

/** The pairs to save: rows left wholly empty are dropped; `null` when a row has only one side. */
export function cleanKnowledge(rows: Knowledge[]): Knowledge[] | null {
  const out: Knowledge[] = [];
  for (const row of rows) {
    const q = row.q.trim();
    const a = row.a.trim();
    if (!q && !a) continue;
    if (!q || !a) return null;
    out.push({ q, a });
  }
  return out;
}

/** Question–answer pairs of the voice agent: edit, add, remove. */
export function KnowledgeEditor({ value, onChange }: { value: Knowledge[]; onChange: (rows: Knowledge[]) => void }) {
  const s = he.settings;
  const set = (i: number, patch: Partial<Knowledge>) => onChange(value.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  return (
    <fieldset className="knowledge">
      <legend>{s.knowledge}</legend>
      <p className="muted">{s.knowledgeHelp}</p>
      {value.length === 0 && <p className="muted">{s.knowledgeEmpty}</p>}
      <ol className="qa-list">
        {value.map((row, i) => (
          <li key={i} className="qa-row">
            <label className="field">
              <span>{`${s.question} ${i + 1}`}</span>
              <input value={row.q} onChange={(e) => set(i, { q: e.target.value })} />
            </label>
            <label className="field">
              <span>{`${s.answer} ${i + 1}`}</span>
              <textarea rows={2} value={row.a} onChange={(e) => set(i, { a: e.target.value })} />
            </label>
            <button type="button" className="btn btn-ghost" onClick={() => onChange(value.filter((_, j) => j !== i))}>
              {s.removeQa(i + 1)}
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-ghost" onClick={() => onChange([...value, { q: '', a: '' }])}>
        + {s.addQa}
      </button>
    </fieldset>
  );
}
