import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CsvImport } from './CsvImport';
import { he } from '../strings';
import { json } from '../test/api';

beforeEach(() => localStorage.setItem('al.token', 'tok'));
afterEach(() => vi.unstubAllGlobals());

const draft = {
  id: 'imp1', status: 'draft', file_name: 'list.csv', encoding: 'windows-1255', delimiter: ',', total_rows: 3,
  planned_rows: 0, processed_rows: 0, created: 0, merged: 0, skipped: 0, errors: 0, failure: null,
};
const preview = {
  import: draft,
  header: ['שם מלא', 'נייד'],
  mapping: { name: 0, phone: 1, email: null, notes: null, status: null },
  mapping_error: null,
  rows: [{ line: 2, cells: ['דנה כהן', '050-1234567'] }, { line: 3, cells: ['בלי', '12345'] }],
  errors: [{ line: 3, field: 'phone', message: 'מספר טלפון לא תקין: 12345', raw: 'בלי,12345' }],
  error_count: 1,
  valid_count: 1,
};

describe('CsvImport', () => {
  it('uploads, shows the Hebrew rows and their errors, starts with "valid rows only" and follows the progress', async () => {
    const calls: { method: string; url: string; body: unknown }[] = [];
    let polls = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        const method = init.method ?? 'GET';
        calls.push({ method, url, body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body });
        if (method === 'POST' && url.startsWith('/api/crm/imports?')) return json(201, preview);
        if (method === 'POST' && url === '/api/crm/imports/imp1/start') return json(202, { ...draft, status: 'queued', planned_rows: 1, errors: 1 });
        if (method === 'GET' && url === '/api/crm/imports/imp1') {
          polls += 1;
          return json(200, polls < 2
            ? { ...draft, status: 'running', planned_rows: 2, processed_rows: 1, errors: 1 }
            : { ...draft, status: 'done', planned_rows: 2, processed_rows: 2, created: 2, errors: 1 });
        }
        return json(404, { error: 'not_found', message: 'לא נמצא' });
      }),
    );
    const onImported = vi.fn();
    const user = userEvent.setup();
    render(<CsvImport onClose={() => {}} onImported={onImported} />);

    const file = new File(['שם מלא,נייד\n'], 'list.csv', { type: 'text/csv' });
    await user.upload(screen.getByLabelText(he.csv.chooseFile), file);
    expect(await screen.findByText('דנה כהן')).toBeInTheDocument();
    expect(calls[0].url).toBe('/api/crm/imports?file_name=list.csv');
    expect(calls[0].body).toBe(file);
    expect(screen.getByText(/מספר טלפון לא תקין: 12345/)).toBeInTheDocument();
    // The proposed mapping is selected.
    expect((screen.getByLabelText(he.csv.field.phone) as HTMLSelectElement).value).toBe('1');

    // With bad rows, starting needs "valid rows only".
    const start = screen.getByRole('button', { name: he.csv.start });
    expect(start).toBeDisabled();
    await user.click(screen.getByLabelText(he.csv.validOnly));
    await user.click(screen.getByLabelText(he.csv.merge));
    await user.click(start);
    const sent = calls.find((c) => c.url.endsWith('/start'))!;
    expect(sent.body).toEqual({ mapping: preview.mapping, duplicates: 'merge', import_valid_rows: true });

    const bar = await screen.findByRole('progressbar', { name: he.csv.progressLabel });
    await waitFor(() => expect(bar).toHaveAttribute('aria-valuenow', '100'), { timeout: 3000 });
    expect(screen.getByText(he.csv.done(2, 0, 0))).toBeInTheDocument();
    expect(onImported).toHaveBeenCalled();
    expect(within(document.body).getByRole('button', { name: new RegExp(he.csv.downloadErrors.replace(/[()]/g, '.')) })).toBeInTheDocument();
  }, 20_000);
});
