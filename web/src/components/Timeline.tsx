import { he } from '../strings';
import { formatDateTime, formatMoney, formatPhone, formatVatRate } from '../lib/format';
import type { AgentItem, CallItem, CallSummary, ContractItem, InvoiceItem, TaskItem, TimelineItem, WhatsAppItem } from '../lib/types';

export function Timeline({ items }: { items: TimelineItem[] }) {
  if (items.length === 0) return <p className="empty">{he.timeline.empty}</p>;
  return (
    <ol className="timeline">
      {items.map((item) => (
        <li key={`${item.type}-${item.id}`} className={`timeline-item timeline-${item.type}`} data-type={item.type}>
          <TimelineEntry item={item} />
        </li>
      ))}
    </ol>
  );
}

function TimelineEntry({ item }: { item: TimelineItem }) {
  switch (item.type) {
    case 'call':
      return <CallEntry call={item} />;
    case 'whatsapp':
      return <WhatsAppEntry msg={item} />;
    case 'task':
      return <TaskEntry task={item} />;
    case 'contract':
      return <ContractEntry contract={item} />;
    case 'invoice':
      return <InvoiceEntry invoice={item} />;
    case 'agent':
      return <AgentEntry action={item} />;
    default:
      return null;
  }
}

function When({ ts }: { ts: string | null }) {
  return ts ? <time dateTime={ts}>{formatDateTime(ts)}</time> : null;
}

/** Twilio's statuses of a call that has not ended. */
const ACTIVE_CALL_STATUSES = new Set(['queued', 'initiated', 'ringing', 'in-progress']);

/** Whether `call` is still going on (its turns arrive live). */
export function callActive(call: CallItem): boolean {
  return !call.ended_at && ACTIVE_CALL_STATUSES.has(call.status);
}

function CallEntry({ call }: { call: CallItem }) {
  const other = call.direction === 'outbound' ? call.to_number : call.from_number;
  const active = callActive(call);
  return (
    <article className="card">
      <header className="entry-header">
        <strong>{he.timeline.call[call.direction] ?? he.actions.call}</strong>
        <span className="phone" dir="ltr">
          {formatPhone(other)}
        </span>
        {active ? (
          <span className="badge badge-live">{he.timeline.callActive}</span>
        ) : (
          <span className="badge">{he.timeline.callStatus[call.status] ?? call.status}</span>
        )}
        {call.duration_seconds > 0 && <span className="muted">{he.timeline.duration(call.duration_seconds)}</span>}
        <When ts={call.ts} />
      </header>
      {call.summary && <CallSummaryView summary={call.summary} />}
      {call.recording_url && (
        <audio controls preload="none" src={call.recording_url} aria-label={he.timeline.recording}>
          {he.timeline.recording}
        </audio>
      )}
      {call.transcript && (
        <section>
          <h4>{he.timeline.transcript}</h4>
          <p className="transcript">{call.transcript}</p>
        </section>
      )}
      {call.ai_replies?.length > 0 && (
        <section>
          <h4>{he.timeline.aiReplies}</h4>
          <ul className="ai-replies">
            {call.ai_replies.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

function CallSummaryView({ summary }: { summary: CallSummary }) {
  if (summary.status !== 'done') {
    return <p className="muted call-summary-pending">{he.timeline.summaryPending}</p>;
  }
  return (
    <section className="call-summary" aria-label={he.timeline.summary}>
      <h4>
        {he.timeline.summary}
        {summary.source === 'fallback' && <span className="badge">{he.timeline.summaryFallback}</span>}
      </h4>
      <p>{summary.text}</p>
      {summary.follow_ups.length > 0 && (
        <>
          <h5>{he.timeline.followUps}</h5>
          <ul className="call-follow-ups">
            {summary.follow_ups.map((f, i) => (
              <li key={i}>{f}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function WhatsAppEntry({ msg }: { msg: WhatsAppItem }) {
  const outbound = msg.direction === 'outbound';
  return (
    <div className={`bubble ${outbound ? 'bubble-out' : 'bubble-in'}`}>
      <span className="visually-hidden">{outbound ? he.timeline.whatsappOut : he.timeline.whatsappIn}</span>
      <p>{msg.body}</p>
      <footer className="bubble-meta">
        <When ts={msg.ts ?? msg.created_at} />
        {outbound && <span>{he.timeline.waStatus[msg.status] ?? msg.status}</span>}
      </footer>
    </div>
  );
}

function TaskEntry({ task }: { task: TaskItem }) {
  return (
    <article className="card entry-header">
      <strong>{he.timeline.task}</strong>
      <span className={task.done ? 'done' : undefined}>{task.title}</span>
      <span className={`badge ${task.done ? 'badge-active' : 'badge-lead'}`}>{task.done ? he.timeline.taskDone : he.timeline.taskOpen}</span>
      <span className="muted">{task.due_at ? `${he.timeline.taskDue} ${formatDateTime(task.due_at)}` : he.timeline.noDue}</span>
    </article>
  );
}

function AgentEntry({ action }: { action: AgentItem }) {
  return (
    <article className="card entry-header">
      <strong>{he.agent.timelineAction}</strong>
      <span>{action.summary}</span>
      {action.turn_text && <span className="muted">{he.agent.because(action.turn_text)}</span>}
      <When ts={action.ts} />
    </article>
  );
}

function ContractEntry({ contract }: { contract: ContractItem }) {
  return (
    <article className="card entry-header">
      <strong>{he.timeline.contract}</strong>
      <span>{contract.title}</span>
      <span className="badge">{he.timeline.contractStatus[contract.status] ?? contract.status}</span>
      <When ts={contract.ts} />
    </article>
  );
}

function InvoiceEntry({ invoice }: { invoice: InvoiceItem }) {
  return (
    <article className="card entry-header">
      <strong>{invoice.number ? he.timeline.invoiceNumber(invoice.number) : he.timeline.invoice}</strong>
      <span className="badge">{he.timeline.invoiceStatus[invoice.status] ?? invoice.status}</span>
      <span className="money">{formatMoney(invoice.total_agorot)}</span>
      <span className="muted">{he.timeline.vat(formatVatRate(invoice.vat_rate_bp))}</span>
      <Allocation invoice={invoice} />
      <When ts={invoice.ts} />
    </article>
  );
}

/** Where a document's allocation number from the Tax Authority stands, with the reason it has none. */
function Allocation({ invoice }: { invoice: InvoiceItem }) {
  switch (invoice.allocation_status) {
    case 'allocated':
      return <span className="badge badge-accepted">{he.timeline.allocation.allocated(invoice.allocation_number ?? '')}</span>;
    case 'awaiting':
      return (
        <span className="allocation" role="status">
          <span className="badge">{he.timeline.allocation.awaiting}</span>
          {invoice.allocation_reason && <span className="muted"> {invoice.allocation_reason}</span>}
        </span>
      );
    case 'refused':
      return (
        <span className="allocation" role="alert">
          <span className="badge badge-rejected">{he.timeline.allocation.refused}</span>
          {invoice.allocation_reason && <span className="muted"> {invoice.allocation_reason}</span>}
        </span>
      );
    default:
      return null;
  }
}

