import { CommandRegistrar } from '../context';
import { registerDrill } from './drill';
import { registerFailover } from './failover';

/**
 * Every `rxdr` command, in the order `rxdr --help` lists them. Each lives in its own file in this folder
 * and exports a `CommandRegistrar`.
 */
export const commands: CommandRegistrar[] = [registerDrill, registerFailover];
