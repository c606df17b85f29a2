import { CommandRegistrar } from '../context';
import { registerDrill } from './drill';
import { registerFailover } from './failover';
import { registerGameDay } from './gameday';
import { registerPlan } from './plan';
import { registerReport } from './report';
import { registerRunbooks } from './runbooks';
import { registerManifest } from './manifest';
import { registerSeed } from './seed';
import { registerStatus } from './status';
import { registerTraining } from './training';
import { registerValidate } from './validate';

/**
 * Every `rxdr` command, in the order `rxdr --help` lists them. Each lives in its own file in this folder
 * and exports a `CommandRegistrar`. `registerRunbooks` adds AWS subcommands to `drill` and `failover`, so it
 * comes after them.
 */
export const commands: CommandRegistrar[] = [
  registerStatus,
  registerDrill,
  registerFailover,
  registerReport,
  registerPlan,
  registerSeed,
  registerManifest,
  registerValidate,
  registerRunbooks,
  registerTraining,
  registerGameDay,
];
