import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** The parts of cdk.out/validation-report.json (written by every synth that has validation plugins) we read. */
interface ValidationReport {
  readonly pluginReports?: readonly {
    readonly pluginName: string;
    readonly conclusion: 'success' | 'failure';
    readonly violations?: readonly {
      readonly ruleName: string;
      readonly description: string;
      readonly severity?: string;
      readonly violatingConstructs?: readonly { readonly constructPath?: string }[];
    }[];
  }[];
}

/**
 * Every error of every validation plugin that concluded `failure` in the assembly's validation report, one line
 * each (`plugin rule: description (construct path)`); empty when all plugins passed or there is no report.
 *
 * The CDK CLI enforces this report only for the stacks it selects: `cdk synth` with no stack pattern (this app has
 * only stages) exits 0 on a failed report. The app checks the report itself so that every synth fails honestly.
 */
export function validationFailures(assemblyDirectory: string): string[] {
  const file = path.join(assemblyDirectory, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  return (report.pluginReports ?? [])
    .filter((plugin) => plugin.conclusion === 'failure')
    .flatMap((plugin) =>
      (plugin.violations ?? [])
        .filter((violation) => violation.severity !== 'warning')
        .flatMap((violation) =>
          (violation.violatingConstructs ?? [{}]).map(
            (construct) =>
              `${plugin.pluginName} ${violation.ruleName}: ${violation.description} (${construct.constructPath ?? 'unknown construct'})`,
          ),
        ),
    );
}

/**
 * For `cdk synth` entry points: print every validation failure of the synthesized assembly and exit 1, so that
 * `cdk synth` fails whether or not stacks are selected.
 */
export function exitOnValidationFailure(assembly: CloudAssembly): void {
  const failures = validationFailures(assembly.directory);
  if (failures.length === 0) return;
  console.error(
    `Validation failed: ${failures.length} unacknowledged finding(s)\n${failures.map((f) => `  ${f}`).join('\n')}`,
  );
  process.exit(1);
}
