/** A parsed template value (templates are JSON; tests read them loosely). */
export type Json = ReturnType<typeof JSON.parse>;

/**
 * A template value with the intrinsics rxdr's templates use resolved to plain strings: `Fn::Join` and the
 * `AWS::Partition` reference (tokens that cdk.json's partition-literal flag leaves in a few places).
 */
export function plain(value: unknown): Json {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(plain).join(sep);
    }
    if ('Ref' in obj && obj.Ref === 'AWS::Partition') return 'aws';
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
