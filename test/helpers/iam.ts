import { Template } from 'aws-cdk-lib/assertions';

export interface FoundStatement {
  /** Logical id of the resource holding the policy (role, managed policy, key, bucket policy, ...). */
  readonly resource: string;
  readonly statement: Record<string, unknown>;
}

/** Every policy statement in a template: identity policies, key policies, resource policies, inline or not. */
export function policyStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  const walk = (node: unknown, resource: string) => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, resource));
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.Statement))
      for (const s of record.Statement) found.push({ resource, statement: s as Record<string, unknown> });
    for (const value of Object.values(record)) walk(value, resource);
  };
  for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, { Properties?: unknown }>))
    walk(resource.Properties, id);
  return found;
}

/** A deny of every action over plain HTTP is what "TLS only" means: it grants nothing. */
function isTlsOnlyDeny(statement: Record<string, unknown>): boolean {
  return (
    statement.Effect === 'Deny' &&
    JSON.stringify(statement.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } })
  );
}

/** Statements with a wildcard in an action (`s3:*`, `kms:ReEncrypt*`), other than TLS-only denies. */
export function wildcardActionStatements(template: Template): FoundStatement[] {
  return policyStatements(template).filter(
    ({ statement }) =>
      !isTlsOnlyDeny(statement) &&
      [statement.Action, statement.NotAction].flat().some((a) => typeof a === 'string' && a.includes('*')),
  );
}
