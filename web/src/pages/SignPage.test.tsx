import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { SignPage } from './SignPage';
import { he } from '../strings';
import { json, mockApi, type Call } from '../test/api';

const PAGE = '/api/public/signatures/tok';

beforeEach(() => {
  // jsdom draws nothing: a canvas that accepts strokes and exports a fixed PNG.
  const ctx = { beginPath() {}, moveTo() {}, lineTo() {}, stroke() {}, clearRect() {} };
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(ctx as unknown as CanvasRenderingContext2D);
  vi.spyOn(HTMLCanvasElement.prototype, 'toDataURL').mockReturnValue('data:image/png;base64,iVBORw0KGgo=');
  HTMLCanvasElement.prototype.setPointerCapture = () => {};
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function doc(body: string, sha: string) {
  return { document_type: 'contract', business_name: 'העסק', title: 'הסכם', body, document_sha256: sha };
}

async function drawAndSign() {
  await userEvent.type(screen.getByLabelText(he.sign.name), 'דנה לוי');
  const pad = screen.getByRole('img', { name: he.sign.draw });
  fireEvent.pointerDown(pad, { pointerId: 1, clientX: 1, clientY: 1 });
  fireEvent.pointerMove(pad, { pointerId: 1, clientX: 20, clientY: 10 });
  fireEvent.pointerUp(pad, { pointerId: 1 });
  await userEvent.click(screen.getByRole('button', { name: he.sign.submit }));
}

describe('signing page', () => {
  it('sends back the hash of the text it showed, and shows the new text when the document changed', async () => {
    let shown = doc('גרסה 1', 'a'.repeat(64));
    const posts: Call[] = [];
    mockApi({
      [`GET ${PAGE}`]: () => json(200, shown),
      [`POST ${PAGE}`]: (call: Call) => {
        posts.push(call);
        const body = call.body as { document_sha256?: string };
        if (body.document_sha256 !== 'b'.repeat(64)) {
          return json(409, { error: 'document_changed', message: 'the contract changed' });
        }
        return json(200, { signature_id: 's1', signer_name: 'דנה לוי', document_sha256: body.document_sha256 });
      },
    });
    render(
      <MemoryRouter initialEntries={['/signature/tok']}>
        <Routes>
          <Route path="/signature/:token" element={<SignPage />} />
        </Routes>
      </MemoryRouter>,
    );
    expect(await screen.findByText('גרסה 1')).toBeInTheDocument();
    shown = doc('גרסה 2', 'b'.repeat(64));
    await drawAndSign();
    expect(posts[0].body).toMatchObject({ signer_name: 'דנה לוי', image_png_base64: 'iVBORw0KGgo=', document_sha256: 'a'.repeat(64) });
    expect(await screen.findByText(he.sign.changed)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: he.sign.reload }));
    expect(await screen.findByText('גרסה 2')).toBeInTheDocument();
    await drawAndSign();
    expect(posts[1].body).toMatchObject({ document_sha256: 'b'.repeat(64) });
    expect(await screen.findByText(he.sign.thanks)).toBeInTheDocument();
  });
});
