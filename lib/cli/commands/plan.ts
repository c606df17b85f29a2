import { InvalidArgumentError } from 'commander';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { CommandRegistrar } from '../context';

export interface PlanFlags {
  env: string;
  format: 'md' | 'html';
  out?: string;
  config?: string;
  evidence?: string;
  synth: boolean;
  conformance?: boolean;
  profile?: string;
}

/** `rxdr plan`: the environment's contingency plan, generated from config and the synthesized app. */
export const registerPlan: CommandRegistrar = (program, context) => {
  program
    .command('plan')
    .description(
      'Generate the contingency plan of an environment (systems, backups, DR and emergency-mode procedures, roles, escalation, messages, drill calendar, latest drill results).',
    )
    .requiredOption('--env <name>', 'environment from the configuration, e.g. prod')
    .option('--format <format>', 'md or html', parseFormat, 'md')
    .option('--out <file>', 'write the plan to this file instead of stdout')
    .option('--config <file>', 'configuration file (default: $RXDR_CONFIG or config/rxdr.config.json)')
    .option(
      '--evidence <location>',
      `drill evidence: a directory or an s3:// URL (default: ${DEFAULT_EVIDENCE_DIR} when it exists)`,
    )
    .option('--no-synth', 'skip synthesizing the app (the plan then comes from the configuration alone)')
    .option(
      '--conformance',
      "read the protected instances' actual settings (AWS, read-only) and list every conformance finding in the plan",
    )
    .option('--profile <name>', 'AWS named profile for --conformance (default: the standard credential chain)')
    .action(async (flags: PlanFlags) => (await import('./plan-action')).runPlan(context, flags));
};

function parseFormat(value: string): 'md' | 'html' {
  if (value !== 'md' && value !== 'html') throw new InvalidArgumentError(`use "md" or "html", got "${value}"`);
  return value;
}
