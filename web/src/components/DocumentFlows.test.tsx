import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { InvoiceFlow, SignatureFlow } from './DocumentFlows';
import { he } from '../strings';

const customer = {
  id: 'k1', name: 'יוסי כהן', phone: '+972501234567', email: null, status: 'lead', source: 'manual', notes: '', created_at: null, updated_at: null,
};

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  localStorage.setItem('al.token', 'tok');
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

describe('InvoiceFlow', () => {
  it('shows subtotal, 18% VAT and total, and posts the items in agorot', async () => {
    const onDone = vi.fn();
    fetchMock.mockResolvedValue(json(201, { id: 'i1' }));
    render(<InvoiceFlow customer={customer} onClose={() => {}} onDone={onDone} />);
    await userEvent.type(screen.getByLabelText(he.documents.description), 'ייעוץ');
    await userEvent.clear(screen.getByLabelText(he.documents.quantity));
    await userEvent.type(screen.getByLabelText(he.documents.quantity), '2');
    await userEvent.type(screen.getByLabelText(he.documents.unitPrice), '500');
    expect(screen.getByText(he.documents.subtotal).nextSibling).toHaveTextContent('1,000.00');
    expect(screen.getByText(he.documents.vat('18%')).nextSibling).toHaveTextContent('180.00');
    expect(screen.getByText(he.documents.total).nextSibling).toHaveTextContent('1,180.00');
    await userEvent.click(screen.getByRole('button', { name: he.documents.saveDraft }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/invoices');
    expect(JSON.parse(init.body)).toEqual({ customer_id: 'k1', items: [{ description: 'ייעוץ', quantity: 2, unit_price_agorot: 50000 }] });
  });

  it('refuses an incomplete line without calling the API', async () => {
    render(<InvoiceFlow customer={customer} onClose={() => {}} onDone={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: he.documents.saveDraft }));
    expect(screen.getByText(he.documents.invalidItems)).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('SignatureFlow', () => {
  it('creates the contract, then its signing link, and shows the link', async () => {
    fetchMock.mockImplementation(async (url: string) => {
      if (url === '/api/contracts') return json(201, { id: 'c9' });
      if (url === '/api/contracts/c9/signature-link') return json(201, { url: 'http://127.0.0.1:8080/signature/tok123', token: 'tok123' });
      return json(404, {});
    });
    render(<SignatureFlow customer={customer} onClose={() => {}} onDone={() => {}} />);
    await userEvent.type(screen.getByLabelText(he.documents.title), 'הסכם שירות');
    await userEvent.type(screen.getByLabelText(he.documents.contractBody), 'נוסח');
    await userEvent.click(screen.getByRole('button', { name: he.documents.createLink }));
    expect(await screen.findByLabelText(he.documents.link)).toHaveValue('http://127.0.0.1:8080/signature/tok123');
  });
});
