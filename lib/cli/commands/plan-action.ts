import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { EvidenceStore, FileEvidenceStore, S3EvidenceStore } from '../../../engines/evidence/store';
import { buildApp } from '../../app';
import { cdkJsonContext } from '../../cdk-json-context';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfigFile, selectEnvironments } from '../../config/load';
import { EnvironmentConfig } from '../../config/environment-config';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { buildContingencyPlan, EvidenceSummary, IncompletePlanError, RUNBOOKS } from '../../plan/contingency-plan';
import { renderHtml, renderMarkdown } from '../../plan/render';
import { synthFacts } from '../../plan/synth-facts';
import { readinessSection } from '../../plan/readiness-section';
import { peopleStoreBeside } from '../../../engines/readiness/people-store';
import { assessReadiness, readinessRules } from '../../../engines/readiness/readiness';
import { PROJECT_ROOT, TOOL_VERSION } from '../../project-root';
import { ConformanceSummary } from '../../plan/conformance-section';
import { callerIdentity, cliRuntime } from '../aws';
import { cliClock } from '../clock';
import { collectConformance } from '../status/conformance';
import { CliContext } from '../context';
import { UsageError } from '../errors';
import type { PlanFlags } from './plan';

/** What `rxdr plan` does (loaded only when it runs: it needs the CDK app and the configuration schema). */
export async function runPlan(context: CliContext, flags: PlanFlags): Promise<void> {
  const { io } = context;
  const env = loadEnvironment(flags);
  const now = cliClock.now();
  const facts = flags.synth ? synthesize(env) : undefined;
  const evidence = await readEvidence(flags.evidence);
  const conformance = flags.conformance ? await readConformance(env, now, flags.profile) : undefined;
  let document;
  try {
    document = buildContingencyPlan({
      config: env,
      toolVersion: TOOL_VERSION,
      facts,
      now,
      evidence,
      conformance,
      runbooks: Object.values(RUNBOOKS).filter((file) => existsSync(path.join(PROJECT_ROOT, file))),
    });
  } catch (error) {
    if (error instanceof IncompletePlanError) throw new UsageError(error.message);
    throw error;
  }
  const readiness = await readReadiness(env, flags.evidence, now);
  if (readiness) document = { ...document, sections: [...document.sections, readiness] };
  const text = flags.format === 'html' ? renderHtml(document) : renderMarkdown(document);
  const placeholders = exampleContacts(env);
  if (placeholders.length > 0)
    io.err(
      `warning: ${placeholders.length} contact${placeholders.length === 1 ? ' uses' : 's use'} a reserved example domain (${placeholders.join(', ')}); replace them before relying on this plan`,
    );
  if (flags.out) {
    await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
    await writeFile(flags.out, text);
    io.err(`contingency plan for ${env.name} written to ${flags.out}`);
  } else {
    io.out(text);
  }
}

/** The instances' conformance now, with the caller's credentials (none: exit 2 saying how to log in). */
async function readConformance(env: EnvironmentConfig, now: Date, profile?: string): Promise<ConformanceSummary> {
  const target = {
    env,
    region: env.primaryRegion,
    clients: cliRuntime.clients({ region: env.primaryRegion, ...(profile ? { profile } : {}) }),
  };
  await callerIdentity(target, profile);
  return { checkedAt: now.toISOString(), instances: await collectConformance(env, now, { profile }) };
}

function loadEnvironment(flags: PlanFlags): EnvironmentConfig {
  try {
    const config = loadConfigFile(flags.config ?? process.env.RXDR_CONFIG ?? DEFAULT_CONFIG_FILE);
    const [env] = selectEnvironments(config, [flags.env]);
    if (!env) throw new UsageError(`no environment "${flags.env}"`);
    return env;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function synthesize(env: EnvironmentConfig) {
  const { stages } = buildApp([env], {
    compliance: false,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
  });
  const stage = stages[0];
  if (!stage) throw new Error('internal: buildApp returned no stage');
  return synthFacts(stage);
}

async function readEvidence(location: string | undefined): Promise<EvidenceSummary | undefined> {
  const source = location ?? (existsSync(DEFAULT_EVIDENCE_DIR) ? DEFAULT_EVIDENCE_DIR : undefined);
  if (!source) return undefined;
  let store: EvidenceStore;
  if (source.startsWith('s3://')) store = S3EvidenceStore.fromUrl(source);
  else if (!existsSync(source)) return { source, error: 'no such directory' };
  else store = new FileEvidenceStore(source);
  try {
    const { documents } = await store.list();
    return { source, documents };
  } catch (error) {
    return { source, error: (error as Error).message };
  }
}

/** The roster against the people records beside the evidence (`<dir>/people/` or the bucket's `people/`). */
async function readReadiness(env: EnvironmentConfig, location: string | undefined, now: Date) {
  if (env.onCall.engineers.length + env.onCall.approvers.length === 0) return undefined;
  const source = location ?? DEFAULT_EVIDENCE_DIR;
  const store = peopleStoreBeside(source);
  try {
    const { records, invalid } = await store.list(env.name);
    if (invalid.length > 0) return readinessSection({ error: invalid.map((i) => i.location).join(', ') }, source);
    return readinessSection(assessReadiness(readinessRules(env), records, now), source);
  } catch (error) {
    return readinessSection({ error: (error as Error).message }, source);
  }
}

function exampleContacts(env: EnvironmentConfig): string[] {
  const { escalation = [], stakeholders = [] } = env.contingency;
  return [
    ...new Set(
      [...escalation, ...stakeholders]
        .map((c) => c.email)
        .filter((email) => /@([a-z0-9-]+\.)*example\.(com|org|net)$/i.test(email)),
    ),
  ];
}
