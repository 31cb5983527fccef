// The transport's connection state as React state (always "open" under Electron).
import { useEffect, useState } from 'react';
import { connection } from '../api/client';
import type { ConnectionState } from '../api/ws-client';

export function useConnection(): ConnectionState {
  const [state, setState] = useState<ConnectionState>(connection.get);
  useEffect(() => {
    setState(connection.get());
    return connection.subscribe(setState);
  }, []);
  return state;
}
