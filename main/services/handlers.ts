// The dispatch table: one handler per method in the contract (the type below fails to compile if one is missing).
import type { MethodName, MethodOutput, MethodParsedInput } from '../api/contract';
import type { ServiceContext } from './context';
import { projectHandlers } from './projects';
import { systemHandlers } from './system';
import { modelHandlers } from './models';
import { trainingHandlers } from './training';
import { datasetHandlers } from './datasets';
import { datasetManageHandlers } from './dataset-manage';
import { exportsHandlers } from './exports';
import { modelLibraryHandlers } from './models-library';
import { libraryHandlers } from './library';
import { evalsHandlers } from './evals';
import { learnHandlers } from './learn';

export type Handler<M extends MethodName> = (args: MethodParsedInput<M>, ctx: ServiceContext) => Promise<MethodOutput<M>>;
export type HandlerTable = { [M in MethodName]: Handler<M> };

export const handlers: HandlerTable = {
  ...systemHandlers,
  ...projectHandlers,
  ...modelHandlers,
  ...trainingHandlers,
  ...datasetHandlers,
  ...datasetManageHandlers,
  ...exportsHandlers,
  ...modelLibraryHandlers,
  ...libraryHandlers,
  ...evalsHandlers,
  ...learnHandlers,
};
