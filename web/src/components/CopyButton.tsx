import { useState } from 'react';
import { he } from '../strings';

/** Copies `text` to the clipboard and says so; a refused clipboard leaves the text to select. */
export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <button type="button" className="btn btn-primary" onClick={() => void copy()}>
      {copied ? he.documents.copied : he.documents.copy}
    </button>
  );
}
