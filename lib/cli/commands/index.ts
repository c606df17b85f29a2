import { CommandRegistrar } from '../context';

/**
 * Every `rxdr` command, in the order `rxdr --help` lists them. Each lives in its own file in this folder
 * and exports a `CommandRegistrar`.
 */
export const commands: CommandRegistrar[] = [];
