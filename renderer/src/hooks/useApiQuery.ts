// Loads one API result, reloads it when the connection comes back, and exposes loading/error for the UI.
import { useCallback, useEffect, useRef, useState } from 'react';
import { connection } from '../api/client';
import { toApiError, type ApiError } from '../api/errors';

export interface Query<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

export function useApiQuery<T>(load: () => Promise<T>): Query<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  // Answers can arrive out of order (a reload racing a reconnect); only the latest request may set state.
  const seq = useRef(0);

  const reload = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== seq.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(toApiError(err));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    reload();
    // After a dropped connection the data may be stale (another tab or the CLI may have changed it).
    let wasOpen = connection.get().status === 'open';
    return connection.subscribe((s) => {
      if (s.status === 'open' && !wasOpen) reload();
      wasOpen = s.status === 'open';
    });
  }, [reload]);

  return { data, error, loading, reload };
}
