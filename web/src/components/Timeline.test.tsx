import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { Timeline } from './Timeline';
import { he } from '../strings';
import type { TimelineItem } from '../lib/types';

const call: TimelineItem = {
  type: 'call', id: 'c1', ts: '2026-11-20T08:00:00Z', direction: 'inbound', from_number: '+972501234567',
  to_number: '+97231234567', status: 'completed', started_at: '2026-11-20T08:00:00Z', duration_seconds: 95,
  recording_url: '/api/recordings/c1.mp3', transcript: 'שלום, אני רוצה לקבוע פגישה', ai_replies: ['בשמחה, מתי נוח לך?'],
};

describe('Timeline', () => {
  it('shows what the AI agent did and the message that caused it', () => {
    const action: TimelineItem = {
      type: 'agent', id: 'a1', ts: '2026-11-20T20:00:00Z', tool: 'book_appointment', channel: 'whatsapp',
      summary: 'הסוכן קבע תור: תספורת (08/12/2026 10:00)', turn_text: 'אפשר לקבוע תור ליום שלישי ב-10?',
    };
    const { container } = render(<Timeline items={[action]} />);
    expect(screen.getByText(he.agent.timelineAction)).toBeInTheDocument();
    expect(screen.getByText(action.summary)).toBeInTheDocument();
    expect(screen.getByText(he.agent.because(action.turn_text))).toBeInTheDocument();
    expect(container.querySelector('[data-type="agent"]')).not.toBeNull();
  });

  it("shows a document's allocation number, or why it has none", () => {
    const base = {
      type: 'invoice' as const, ts: '2026-12-01T10:00:00Z', status: 'sent', items: [],
      subtotal_agorot: 1_250_000, vat_agorot: 225_000, total_agorot: 1_475_000, vat_rate_bp: 1800,
    };
    const items: TimelineItem[] = [
      { ...base, id: 'i1', number: 7, allocation_status: 'allocated', allocation_number: '20261201000000007' },
      { ...base, id: 'i2', number: 8, allocation_status: 'awaiting', allocation_reason: 'העסק אינו מחובר לרשות המסים' },
      { ...base, id: 'i3', number: 9, allocation_status: 'refused', allocation_reason: '432 Customer VAT Number is incorrect' },
    ];
    render(<Timeline items={items} />);
    expect(screen.getByText(he.timeline.allocation.allocated('20261201000000007'))).toBeInTheDocument();
    expect(screen.getByText(he.timeline.allocation.awaiting)).toBeInTheDocument();
    expect(screen.getByText(/העסק אינו מחובר לרשות המסים/)).toBeInTheDocument();
    expect(within(screen.getByRole('alert')).getByText(he.timeline.allocation.refused)).toBeInTheDocument();
    expect(screen.getByText(/432 Customer VAT Number is incorrect/)).toBeInTheDocument();
  });

  it('shows an empty state', () => {
    render(<Timeline items={[]} />);
    expect(screen.getByText(he.timeline.empty)).toBeInTheDocument();
  });

  it('renders a call with its transcript, AI replies and a recording player', () => {
    const { container } = render(<Timeline items={[call]} />);
    expect(screen.getByText(he.timeline.call.inbound)).toBeInTheDocument();
    expect(screen.getByText('050-123-4567')).toBeInTheDocument();
    expect(screen.getByText(call.transcript!)).toBeInTheDocument();
    expect(screen.getByText('בשמחה, מתי נוח לך?')).toBeInTheDocument();
    expect(screen.getByText(he.timeline.duration(95))).toBeInTheDocument();
    const audio = container.querySelector('audio');
    expect(audio).not.toBeNull();
    expect(audio!.getAttribute('src')).toBe('/api/recordings/c1.mp3');
  });

  it('marks a call still in progress as active, and an ended one by its status', () => {
    const { rerender } = render(<Timeline items={[{ ...call, status: 'in-progress', ended_at: null }]} />);
    expect(screen.getByText(he.timeline.callActive)).toBeInTheDocument();
    rerender(<Timeline items={[{ ...call, status: 'ringing', ended_at: null }]} />);
    expect(screen.getByText(he.timeline.callActive)).toBeInTheDocument();
    rerender(<Timeline items={[{ ...call, status: 'in-progress', ended_at: '2026-11-20T08:03:00Z' }]} />);
    expect(screen.queryByText(he.timeline.callActive)).toBeNull();
    rerender(<Timeline items={[call]} />);
    expect(screen.queryByText(he.timeline.callActive)).toBeNull();
    expect(screen.getByText(he.timeline.callStatus.completed)).toBeInTheDocument();
  });

  it('shows the summary of a completed call with its follow-ups, and says when no model made it', () => {
    const summary = { status: 'done', text: 'הלקוח ביקש תור ליום שלישי והסוכן קבע אותו.', follow_ups: ['לשלוח הצעת מחיר'], source: 'llm', updated_at: null };
    const { container, rerender } = render(<Timeline items={[{ ...call, summary }]} />);
    const section = container.querySelector('.call-summary') as HTMLElement;
    expect(within(section).getByText(he.timeline.summary)).toBeInTheDocument();
    expect(within(section).getByText(summary.text)).toBeInTheDocument();
    expect(within(section).getByText('לשלוח הצעת מחיר')).toBeInTheDocument();
    expect(within(section).queryByText(he.timeline.summaryFallback)).toBeNull();
    rerender(<Timeline items={[{ ...call, summary: { ...summary, source: 'fallback', follow_ups: [] } }]} />);
    expect(screen.getByText(he.timeline.summaryFallback)).toBeInTheDocument();
    expect(screen.queryByText(he.timeline.followUps)).toBeNull();
    rerender(<Timeline items={[{ ...call, summary: { ...summary, status: 'pending', text: '' } }]} />);
    expect(screen.getByText(he.timeline.summaryPending)).toBeInTheDocument();
    rerender(<Timeline items={[{ ...call, summary: null }]} />);
    expect(screen.queryByText(he.timeline.summary)).toBeNull();
  });

  it('has no player when the call has no recording', () => {
    const { container } = render(<Timeline items={[{ ...call, recording_url: null, transcript: null, ai_replies: [] }]} />);
    expect(container.querySelector('audio')).toBeNull();
    expect(screen.queryByText(he.timeline.transcript)).toBeNull();
  });

  it('renders WhatsApp bubbles by direction with the outbound status', () => {
    const { container } = render(
      <Timeline
        items={[
          { type: 'whatsapp', id: 'w1', ts: '2026-11-20T09:00:00Z', direction: 'inbound', body: 'היי', status: 'received', created_at: null },
          { type: 'whatsapp', id: 'w2', ts: '2026-11-20T09:01:00Z', direction: 'outbound', body: 'שלום!', status: 'pending', created_at: null },
        ]}
      />,
    );
    expect(container.querySelector('.bubble-in')).toHaveTextContent('היי');
    const out = container.querySelector('.bubble-out') as HTMLElement;
    expect(out).toHaveTextContent('שלום!');
    expect(within(out).getByText(he.timeline.waStatus.pending)).toBeInTheDocument();
  });

  it('renders tasks, contracts and invoices', () => {
    render(
      <Timeline
        items={[
          { type: 'task', id: 't1', ts: null, title: 'לחזור ללקוח', due_at: null, done: false },
          { type: 'contract', id: 'k1', ts: '2026-11-19T10:00:00Z', title: 'הסכם שירות', status: 'signed' },
          {
            type: 'invoice', id: 'i1', ts: '2026-11-18T10:00:00Z', number: 1007, status: 'paid', items: [],
            subtotal_agorot: 100000, vat_agorot: 18000, total_agorot: 118000, vat_rate_bp: 1800,
          },
        ]}
      />,
    );
    expect(screen.getByText('לחזור ללקוח')).toBeInTheDocument();
    expect(screen.getByText(he.timeline.noDue)).toBeInTheDocument();
    expect(screen.getByText('הסכם שירות')).toBeInTheDocument();
    expect(screen.getByText(he.timeline.contractStatus.signed)).toBeInTheDocument();
    expect(screen.getByText(he.timeline.invoiceNumber(1007))).toBeInTheDocument();
    expect(screen.getByText(he.timeline.invoiceStatus.paid)).toBeInTheDocument();
    expect(screen.getByText(/1,180\.00/)).toHaveTextContent('₪');
    expect(screen.getByText(/מע״מ/)).toHaveTextContent('18%');
  });
});
