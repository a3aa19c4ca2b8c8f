import { he } from '../strings';
import { ApiError, errorText } from '../lib/api';

/** An error in Hebrew; a disabled feature gets its own calm notice instead of an error. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const disabled = error instanceof ApiError && error.disabledFeature;
  return (
    <div className={disabled ? 'notice notice-warning' : 'notice notice-error'} role="alert">
      <span>{errorText(error)}</span>
      {onRetry && !disabled && (
        <button type="button" className="btn btn-ghost" onClick={onRetry}>
          {he.retry}
        </button>
      )}
    </div>
  );
}

/** `error` worded by `text` (a page's own Hebrew for the errors it knows), else as [`ErrorNotice`]. */
export function WordedError({ error, text }: { error: unknown; text: (error: unknown) => string | null }) {
  if (!error) return null;
  const worded = text(error);
  if (!worded) return <ErrorNotice error={error} />;
  return (
    <div className="notice notice-error" role="alert">
      <span>{worded}</span>
    </div>
  );
}

export function Loading() {
  return (
    <div className="loading" role="status">
      {he.loading}
    </div>
  );
}
