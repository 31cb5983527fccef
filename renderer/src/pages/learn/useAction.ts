// A button-triggered API call for the Learn demos: its result, whether it is running, and its error.
import { useCallback, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';

export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  // A slow answer to an older click must not overwrite the newer one.
  const seq = useRef(0);
  const run = useCallback(
    async (...args: A) => {
      const mine = ++seq.current;
      setBusy(true);
      setError(undefined);
      try {
        const v = await fn(...args);
        if (mine === seq.current) setData(v);
      } catch (err) {
        if (mine === seq.current) setError(toApiError(err));
      } finally {
        if (mine === seq.current) setBusy(false);
      }
    },
    [fn],
  );
  return { data, error, busy, run };
}
