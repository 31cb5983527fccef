// Shown across the top of the content while the web-mode socket is down, with a live countdown and "Retry now".
import { useEffect, useState, type JSX } from 'react';
import { connection } from '../api/client';
import type { ConnectionState } from '../api/ws-client';
import { Icon } from './Icon';

export function ConnectionBanner({ conn, hasToken }: { conn: ConnectionState; hasToken: boolean }): JSX.Element | null {
  const [, tick] = useState(0);
  const down = conn.status === 'reconnecting' || conn.status === 'closed';
  useEffect(() => {
    if (!down) return;
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, [down]);
  if (!down) return null;

  const seconds = conn.retryAt ? Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000)) : 0;
  return (
    <div className="banner banner-warn" role="alert" data-testid="disconnected-banner">
      <Icon name="alert" />
      <div className="banner-text">
        <strong>Disconnected from the Lathe server.</strong>{' '}
        {hasToken
          ? conn.status === 'closed'
            ? 'The connection was closed.'
            : `${seconds > 0 ? `Reconnecting in ${seconds}s.` : 'Reconnecting…'} Changes made now are sent once it is back.`
          : 'This page was opened without its access token: open the link that `lathe serve` printed (it ends in ?token=…).'}
      </div>
      {hasToken && conn.status === 'reconnecting' && (
        <button type="button" className="btn btn-sm" onClick={() => connection.retryNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
