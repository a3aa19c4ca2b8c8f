import { useCallback, useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { he } from '../strings';
import { api } from '../lib/api';
import { formatMoney } from '../lib/format';
import type { ReportSummary } from '../lib/types';
import { ErrorNotice, Loading } from '../components/Notice';

export function ReportsPage() {
  const [data, setData] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    api<ReportSummary>('/api/reports/summary').then(setData, setError);
  }, []);
  useEffect(load, [load]);

  if (error) return <main className="page"><h1>{he.reports.title}</h1><ErrorNotice error={error} onRetry={load} /></main>;
  if (!data) return <Loading />;
  const r = he.reports;
  const chart = [
    { name: r.newCustomers, value: data.new_customers },
    { name: r.answered, value: data.calls.answered },
    { name: r.missed, value: data.calls.missed },
    { name: r.whatsappIn, value: data.whatsapp.inbound },
    { name: r.whatsappOut, value: data.whatsapp.outbound },
    { name: r.tasksDone, value: data.tasks.done },
    { name: r.tasksOverdue, value: data.tasks.overdue },
  ];
  return (
    <main className="page">
      <h1>{r.title}</h1>
      <p className="muted">{r.period}</p>
      <dl className="stats">
        <div className="card stat"><dt>{r.newCustomers}</dt><dd>{data.new_customers}</dd></div>
        <div className="card stat"><dt>{r.calls}</dt><dd>{data.calls.total}</dd></div>
        <div className="card stat"><dt>{r.issued}</dt><dd>{formatMoney(data.invoices.issued_total_agorot)}</dd></div>
        <div className="card stat"><dt>{r.paid}</dt><dd>{formatMoney(data.invoices.paid_total_agorot)}</dd></div>
      </dl>
      <section className="card chart" aria-label={r.chart}>
        <h2>{r.chart}</h2>
        <ResponsiveContainer width="100%" height={chart.length * 40 + 40}>
          {/* Horizontal bars: the Hebrew labels stay readable on a phone; bars grow from the right. */}
          <BarChart data={chart} layout="vertical" margin={{ top: 8, right: 8, left: 8, bottom: 8 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" reversed allowDecimals={false} />
            <YAxis type="category" dataKey="name" orientation="right" width={110} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Bar dataKey="value" name={r.chart} fill="var(--color-primary)" radius={[6, 0, 0, 6]} />
          </BarChart>
        </ResponsiveContainer>
      </section>
    </main>
  );
}
