// Project service handlers: validated arguments in, plain data out.
import type { MethodOutput, MethodParsedInput } from '../api/contract';
import { ProjectsRepo } from '../library/projects-repo';
import type { ServiceContext } from './context';

export const projectHandlers = {
  'projects.list': async (_args: MethodParsedInput<'projects.list'>, ctx: ServiceContext): Promise<MethodOutput<'projects.list'>> =>
    new ProjectsRepo(ctx.db).list(),

  'projects.create': async (args: MethodParsedInput<'projects.create'>, ctx: ServiceContext): Promise<MethodOutput<'projects.create'>> => {
    const p = new ProjectsRepo(ctx.db).create(args.name, args.description ?? '');
    ctx.emit('projects.changed', { ids: [p.id] });
    return p;
  },

  'projects.rename': async (args: MethodParsedInput<'projects.rename'>, ctx: ServiceContext): Promise<MethodOutput<'projects.rename'>> => {
    const p = new ProjectsRepo(ctx.db).rename(args.id, args.name);
    ctx.emit('projects.changed', { ids: [p.id] });
    return p;
  },

  'projects.delete': async (args: MethodParsedInput<'projects.delete'>, ctx: ServiceContext): Promise<MethodOutput<'projects.delete'>> => {
    new ProjectsRepo(ctx.db).delete(args.id);
    ctx.emit('projects.changed', { ids: [args.id] });
    return { deleted: true };
  },
};
