import { Template } from 'aws-cdk-lib/assertions';
import { CHECK_SETTINGS_VARIABLE, checkSettingsFor } from '../../engines/validation/check-settings';
import { environment } from '../helpers/config';
import { synthStage } from '../helpers/synth';

/**
 * A database's `validation` settings in rxdr config reach every job that connects to it: the manifest job's
 * schedule (table selection, cut-off columns, pgaudit for an adopted database), the drill's Validate function
 * and the failover validator (checks, custom checks, invariant mappings), as the synthesized templates say.
 */
const validation = {
  schemas: ['Store'],
  exclude: ['Store.scratch_*'],
  cutoffColumns: { 'Store.Orders': 'placedAt' },
  checks: ['-extensions'],
  customChecks: [{ name: 'no-negative-stock', sql: 'SELECT sku FROM "Store".stock WHERE qty < 0', expect: 'no-rows' }],
  invariants: { 'fill-numbering': { sql: 'SELECT 1 WHERE false', expect: 'no-rows' } },
};
const config = environment({
  databases: [
    {
      name: 'claims',
      tier: 'critical',
      mode: 'adopt',
      instanceIdentifier: 'claims-prod',
      engineVersion: '16',
      replicaInstanceClass: 'db.r7g.large',
      validation,
    },
  ],
});
const { stage, recovery } = synthStage(config);
const standby = Template.fromStack(stage.standby);

type Fn = { Properties: { Environment?: { Variables?: NodeJS.ProcessEnv }; Description?: string } };
const functionsCarrying = (template: Template) =>
  (Object.values(template.findResources('AWS::Lambda::Function')) as Fn[]).filter(
    (f) => f.Properties.Environment?.Variables?.[CHECK_SETTINGS_VARIABLE] !== undefined,
  );

test("the drill's and the failover's validation functions carry the checks, custom checks and mappings", () => {
  const expected = {
    checks: validation.checks,
    customChecks: validation.customChecks,
    invariants: validation.invariants,
  };
  const describe = (template: Template) => functionsCarrying(template).map((f) => f.Properties.Description);
  // The drill plans chunks, validates each and finishes the whole-table checks: all three read the same settings.
  expect(describe(recovery)).toEqual([
    expect.stringMatching(/plan the validation chunks/),
    expect.stringMatching(/validate one chunk/),
    expect.stringMatching(/validate the restored database/),
  ]);
  // The failover's validator plans and finishes; its chunk function validates each chunk with the same settings.
  expect(describe(standby)).toEqual([
    expect.stringMatching(/failover: validate the recovered database/),
    expect.stringMatching(/failover: validate one chunk of the recovered database/),
  ]);
  for (const template of [recovery, standby])
    for (const carrying of functionsCarrying(template))
      expect(checkSettingsFor('claims', carrying.Properties.Environment!.Variables!)).toEqual(expected);
});

test('the manifest job describes the configured tables and proves pgaudit for the adopted database', () => {
  const schedules = Object.values(standby.findResources('AWS::Scheduler::Schedule')) as {
    Properties: { Target: { Input: unknown } };
  }[];
  const inputs = schedules.map((s) => JSON.stringify(s.Properties.Target.Input));
  const manifest = inputs.find((i) => i.includes('\\"name\\":\\"claims\\"'));
  expect(manifest).toBeDefined();
  expect(manifest).toContain('\\"selection\\":{\\"schemas\\":[\\"Store\\"],\\"exclude\\":[\\"Store.scratch_*\\"]');
  expect(manifest).toContain('\\"cutoffColumns\\":{\\"Store.Orders\\":\\"placedAt\\"}');
  expect(manifest).toContain('\\"requirePgaudit\\":true');
});
