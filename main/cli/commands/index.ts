// The list of CLI commands. Each module exports `register(program)`; add one line per new command module.
import type { Command } from 'commander';
import { register as registerInfo } from './info';
import { register as registerData } from './data';
import { register as registerServe } from './serve';
import { register as registerTrain } from './train';
import { register as registerDemo } from './demo';
import { register as registerDev } from './dev';
import { register as registerModel } from './model';
import { register as registerScore } from './score';
import { register as registerGenerate } from './generate';
import { register as registerExport } from './export';
import { register as registerMerge } from './merge';
import { register as registerLibrary } from './library';
import { register as registerProjects } from './projects';
import { register as registerEval } from './eval';
import { register as registerChat } from './chat';
import { register as registerFuses } from './fuses';

export function registerCommands(program: Command): void {
  registerInfo(program);
  registerData(program);
  registerServe(program);
  registerTrain(program);
  registerDemo(program);
  registerDev(program);
  registerModel(program);
  registerScore(program);
  registerGenerate(program);
  registerExport(program);
  registerMerge(program);
  registerLibrary(program);
  registerProjects(program);
  registerEval(program);
  registerChat(program);
  registerFuses(program);
}
