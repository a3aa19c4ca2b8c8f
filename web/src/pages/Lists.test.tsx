import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { App } from '../App';
import { he } from '../strings';
import { json, me, mockApi } from '../test/api';
import { clearCustomerNames } from '../lib/customers';

vi.mock('../lib/socket', () => ({ subscribe: () => () => {}, disconnect: () => {} }));

const empty = { page: 1, limit: 25, total: 0, items: [] };
const customer = { id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'manual', notes: '', created_at: null, updated_at: null };
const proposal = (id: string, status: string, total: number) => ({
  id, customer_id: 'k1', title: `הצעה ${id}`, items: [], total_agorot: total, status, valid_until: null, created_at: '2026-11-20T10:00:00Z', updated_at: null,
});
const contract = (id: string, status: string) => ({
  id, customer_id: 'k1', title: `חוזה ${id}`, body: '', status, created_at: '2026-11-20T10:00:00Z', updated_at: '2026-11-21T10:00:00Z',
});

beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  clearCustomerNames();
});
afterEach(() => vi.unstubAllGlobals());

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

describe('/proposal', () => {
  it('says there are no proposals yet, and that none match a status filter', async () => {
    const calls = mockApi({ 'GET /api/me': me(), 'GET /api/proposals': empty });
    renderAt('/proposal');
    expect(await screen.findByText(he.proposals.empty)).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText(he.proposals.statusFilter), 'accepted');
    expect(await screen.findByText(he.proposals.noMatch)).toBeInTheDocument();
    expect(calls.some((c) => c.url.includes('status=accepted'))).toBe(true);
  });

  it('lists proposals with status, total, date and a link to the customer', async () => {
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/proposals': { page: 1, limit: 25, total: 2, items: [proposal('p1', 'sent', 123450), proposal('p2', 'accepted', 5000)] },
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
    });
    renderAt('/proposal');
    const row = (await screen.findByText('הצעה p1')).closest('li')!;
    expect(within(row).getByText(he.proposals.status.sent)).toBeInTheDocument();
    expect(within(row).getByText(/1,234\.50/)).toBeInTheDocument();
    expect(within(row).getByText(/20\.11\.2026/)).toBeInTheDocument();
    expect(await within(row).findByRole('link', { name: 'יוסי כהן' })).toHaveAttribute('href', '/crm/customers/k1');
    expect(screen.getByText(he.proposals.count(2))).toBeInTheDocument();
    // The names of a page come in one request, however many rows share or differ in customer.
    expect(calls.filter((c) => c.url.startsWith('/api/crm/customers')).map((c) => c.url)).toEqual(['/api/crm/customers?ids=k1']);
  });

  it('shows the disabled feature calmly', async () => {
    mockApi({ 'GET /api/me': me({ proposals_enabled: false }), 'GET /api/proposals': () => json(403, { error: 'proposals_disabled', message: 'x' }) });
    renderAt('/proposal');
    expect(await screen.findByRole('alert')).toHaveTextContent(he.featureDisabled(he.features.proposals));
    expect(screen.queryByLabelText(he.proposals.statusFilter)).not.toBeInTheDocument();
  });
});

describe('/signature', () => {
  it('says there are no contracts and no proposals awaiting signature', async () => {
    const calls = mockApi({ 'GET /api/me': me(), 'GET /api/contracts': empty, 'GET /api/proposals': empty });
    renderAt('/signature');
    expect(await screen.findByText(he.signatures.emptyContracts)).toBeInTheDocument();
    expect(await screen.findByText(he.signatures.emptyProposals)).toBeInTheDocument();
    expect(calls.find((c) => c.url.startsWith('/api/proposals'))!.url).toContain('status=sent');
  });

  it('shows each contract\'s state, who signed, and makes a signing link to copy', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const calls = mockApi({
      'GET /api/me': me(),
      'GET /api/contracts': { page: 1, limit: 100, total: 2, items: [contract('c1', 'sent'), contract('c2', 'signed')] },
      'GET /api/contracts/c2/signatures': [{ id: 's1', status: 'signed', signer_name: 'יוסי חותם', signed_at: '2026-11-22T08:00:00Z' }],
      'POST /api/contracts/c1/signature-link': () => json(201, { signature_id: 's2', url: 'http://127.0.0.1/signature/tok123', token: 'tok123' }),
      'GET /api/proposals': { page: 1, limit: 100, total: 1, items: [proposal('p1', 'sent', 1000)] },
      'GET /api/crm/customers': { page: 1, limit: 100, total: 1, items: [customer] },
    });
    renderAt('/signature');
    const sent = (await screen.findByText('חוזה c1')).closest('li')!;
    const signed = screen.getByText('חוזה c2').closest('li')!;
    expect(within(sent).getByText(he.signatures.state.sent)).toBeInTheDocument();
    expect(within(signed).getByText(he.signatures.state.signed)).toBeInTheDocument();
    expect(await within(signed).findByText(/נחתם על ידי יוסי חותם/)).toBeInTheDocument();
    expect(within(signed).queryByRole('button')).not.toBeInTheDocument();

    await userEvent.click(within(sent).getByRole('button', { name: `${he.signatures.newLink}: חוזה c1` }));
    const input = await within(sent).findByLabelText(`${he.documents.link}: חוזה c1`);
    expect(input).toHaveValue('http://127.0.0.1/signature/tok123');
    await userEvent.click(within(sent).getByRole('button', { name: he.documents.copy }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('http://127.0.0.1/signature/tok123'));
    expect(within(sent).getByRole('button', { name: he.documents.copied })).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);

    // The proposal waiting for a signature has its own link button.
    const waiting = screen.getByText('הצעה p1').closest('li')!;
    expect(within(waiting).getByRole('button', { name: `${he.signatures.newLink}: הצעה p1` })).toBeInTheDocument();
  });

  it('explains when signatures are off', async () => {
    mockApi({ 'GET /api/me': me({ signature_enabled: false }), 'GET /api/contracts': empty, 'GET /api/proposals': empty });
    renderAt('/signature');
    expect(await screen.findByRole('alert')).toHaveTextContent(he.featureDisabled(he.features.signature));
  });
});
