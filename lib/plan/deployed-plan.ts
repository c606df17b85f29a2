import { createHash } from 'node:crypto';
import { ContingencyGap, contingencyGaps } from '../config/contingency';
import { EnvironmentConfig } from '../config/environment-config';
import { buildContingencyPlan, planVersion } from './contingency-plan';
import { renderMarkdown } from './render';
import { TOOL_VERSION } from '../project-root';

/** Prefix of the plan versions in the evidence bucket: `plans/<env>/<version>.md`. */
export const PLAN_PREFIX = 'plans';

/** The evidence-bucket key of one plan version of an environment. */
export function planObjectKey(environment: string, version: string): string {
  return `${PLAN_PREFIX}/${environment}/${version}.md`;
}

/** The plan a deployment stores, or why there is none. */
export type DeployedPlan =
  | {
      readonly complete: true;
      /** `planVersion` of the sections: the same config gives the same id. */
      readonly version: string;
      /** `plans/<env>/<version>.md` */
      readonly key: string;
      readonly markdown: string;
      /** Hex SHA-256 of the UTF-8 markdown. */
      readonly sha256: string;
      /** Base64 MD5 of the UTF-8 markdown (the `Content-MD5` header S3 Object Lock uploads need). */
      readonly contentMd5: string;
    }
  | { readonly complete: false; readonly gaps: readonly ContingencyGap[] };

/**
 * The contingency plan as a deployment stores it, from the configuration alone: no synthesized facts (the
 * plan is built while the app that would provide them is still being constructed, and the stored object
 * is itself part of a template, so reading the templates would be circular), no clock (no next drill
 * dates) and no evidence. The result is deterministic: the same configuration and rxdr version give the
 * same bytes and the same version id, so a deploy without plan changes rewrites nothing.
 * `rxdr plan` adds the synthesized facts, the next drill dates and the latest evidence on top.
 */
export function deployedPlan(config: EnvironmentConfig, toolVersion: string = rxdrVersion()): DeployedPlan {
  const gaps = contingencyGaps(config.contingency);
  if (gaps.length > 0) return { complete: false, gaps };
  const document = buildContingencyPlan({ config, toolVersion });
  const version = planVersion(document.sections);
  const markdown = renderMarkdown(document);
  return {
    complete: true,
    version,
    key: planObjectKey(config.name, version),
    markdown,
    sha256: createHash('sha256').update(markdown, 'utf8').digest('hex'),
    contentMd5: createHash('md5').update(markdown, 'utf8').digest('base64'),
  };
}

/** rxdr's own version from its package.json. */
export function rxdrVersion(): string {
  return TOOL_VERSION;
}
