import { Link } from 'react-router-dom';
import { he } from '../strings';

export function NotFoundPage() {
  return (
    <main className="not-found">
      <div className="card not-found-card">
        <p className="not-found-code" aria-hidden="true">404</p>
        <h1>{he.notFound.title}</h1>
        <p className="muted">{he.notFound.body}</p>
        <Link className="btn btn-primary" to="/crm">
          {he.notFound.home}
        </Link>
      </div>
    </main>
  );
}
