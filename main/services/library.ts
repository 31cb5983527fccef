// Library service handlers for an open library: it is healthy, and a rebuild is refused while it is in use (the
// damaged-library screen's rebuild runs in the library gate, before the library is open).
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { LatheError } from '../api/errors';
import type { ServiceContext } from './context';

export const libraryHandlers = {
  'library.status': async (_a: MethodParsedInput<'library.status'>, ctx: ServiceContext): Promise<MethodOutput<'library.status'>> => ({ state: 'ok', root: ctx.paths.root }),

  'library.rebuild': async (): Promise<MethodOutput<'library.rebuild'>> => {
    throw new LatheError('library.healthy', 'The library is open and healthy: there is nothing to rebuild.', 'To rebuild it anyway, close Lathe and run `lathe library rebuild`.');
  },
};
