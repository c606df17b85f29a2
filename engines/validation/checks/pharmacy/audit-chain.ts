import { tupleHash } from '../../checksum';
import { CheckDefinition, CopyServer, manifestProves, MAX_KEYS, newRowCondition, num, tableAggregates } from '../check';
import { applies, factOf, fullByManifest, InvariantFact, SourceQuery, spec } from './invariant';

/**
 * Invariant 5: the audit log's sequence has no gaps, every hash verifies and links to its predecessor, the
 * head matches the manifest, and the newest event is not after the recovery point time.
 *
 * - source (manifest job): the old events are exactly seq 1..h (h = the manifest head), every hash and link
 *   verifies, the genesis link is zero.
 * - full: `sha256(prev_hash || fields) = hash` per event, `min = 1`, `max = count`, and
 *   sum h(seq, hash) - h(last) = sum h(seq-1, prev_hash); breaks localised with `lag()`.
 * - incremental (needs the manifest head on the copy): the new events are exactly h+1..n, SHA-256 of each,
 *   sum h(seq, hash) - h(last) + h(head) = sum h(seq-1, prev_hash) over them (the first links to the head).
 */

/**
 * SQL for the bytes an audit hash covers; must match `auditHashInput` in seed/model.ts. The text fields are hashed as
 * UTF-8: `textsend` converts them to the session's client encoding, which node-postgres always sets to UTF8, and
 * costs less than `convert_to(..., 'UTF8')` (test/validation/audit-hash-encoding.test.ts: a LATIN1 database).
 */
export const AUDIT_HASH_SQL =
  'sha256(t.prev_hash || int8send(t.seq) || timestamptz_send(t.occurred_at) || ' +
  "textsend(t.actor || '|' || t.action || '|' || t.entity) || int8send(t.entity_id))";

const ZERO_HASH = "decode(repeat('00', 32), 'hex')";
const HASH_MISMATCH = `t.hash IS DISTINCT FROM ${AUDIT_HASH_SQL}`;

/** The first events `filter` selects whose hash does not verify (read only when some do not). */
const mismatchedSql = (filter: string): string =>
  `SELECT t.seq FROM pharmacy.audit_event t WHERE (${filter}) AND ${HASH_MISMATCH} ORDER BY t.seq LIMIT ${MAX_KEYS}`;

/**
 * h(seq, hash) of the link sums. Any 64-bit hash of the pair will do, as both sides of a sum are taken on the same
 * server: `hashbyteaextended` seeded by the seq where the server has it (PostgreSQL 18), which costs less per event
 * than hashing the pair as a record.
 */
type LinkHash = (seq: string, hash: string) => string;
export function linkHash(server: CopyServer | undefined): LinkHash {
  return server?.hashesBytea
    ? (seq, hash) => `hashbyteaextended(${hash}, ${seq})`
    : (seq, hash) => tupleHash(seq, hash);
}

/** Aggregates that verify the audit events `filter` selects: sequence bounds, SHA-256 of each, link sums. */
function auditAggregates(filter: string, h: LinkHash): Record<string, string> {
  return {
    n: `count(*) FILTER (WHERE ${filter})`,
    min: `min(t.seq) FILTER (WHERE ${filter})`,
    max: `max(t.seq) FILTER (WHERE ${filter})`,
    bad_hashes: `count(*) FILTER (WHERE (${filter}) AND ${HASH_MISMATCH})`,
    bad_genesis: `count(*) FILTER (WHERE (${filter}) AND t.seq = 1 AND t.prev_hash <> ${ZERO_HASH})`,
    after: `coalesce(sum(${h('t.seq', 't.hash')}) FILTER (WHERE ${filter}), 0)::text`,
    before: `coalesce(sum(${h('t.seq - 1', 't.prev_hash')}) FILTER (WHERE (${filter}) AND t.seq > 1), 0)::text`,
  };
}

/** The audit aggregates over the events `where` selects, as one query. */
function auditAggregatesSql(where: string, h: LinkHash): string {
  const columns = Object.entries(auditAggregates('true', h)).map(([alias, sql]) => `${sql} AS ${alias}`);
  return `SELECT ${columns.join(', ')} FROM pharmacy.audit_event t WHERE ${where}`;
}

/**
 * The audit aggregates as columns of the shared pass (`audit_<name>`), and read back from it. Over the new
 * events only, four are left out, each an aggregate more on every event: the gate's aggregates already count the
 * new events and give their smallest seq (`new_rows`, `new_min_key`); their largest seq is the last event's, which
 * the check reads anyway (once the old events are the manifest's 1..h, no seq above the new ones is left); and no
 * new event can be the genesis: the incremental check requires the new seqs to start right above the manifest
 * head (h >= 1).
 */
const PASS_PREFIX = 'audit_';
const GATE_KNOWS = ['n', 'min', 'max', 'bad_genesis'];
function auditPassColumns(filter: string, newOnly: boolean, h: LinkHash): Record<string, string> {
  return Object.fromEntries(
    Object.entries(auditAggregates(filter, h))
      .filter(([a]) => !newOnly || !GATE_KNOWS.includes(a))
      .map(([a, sql]) => [PASS_PREFIX + a, sql]),
  );
}
function auditPassRow(pass: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(auditAggregates('true', tupleHash)).map((a) => [a, pass[PASS_PREFIX + a]]));
}

/** The last audit event (`where` restricts the events): its seq and h(seq, hash). */
function lastEventSql(where: string, h: LinkHash): string {
  return `SELECT t.seq, ${h('t.seq', 't.hash')}::text AS h FROM pharmacy.audit_event t ${where}
           ORDER BY t.seq DESC LIMIT 1`;
}

/** {(seq, hash)} minus the last event (plus, incrementally, the manifest head) equals {(seq - 1, prev_hash)}. */
function linksBalance(row: Record<string, unknown> | undefined, last: unknown, head: bigint = 0n): boolean {
  return BigInt(String(row?.after ?? 0)) - BigInt(String(last ?? 0)) + head === BigInt(String(row?.before ?? 0));
}

/**
 * Source: the old events are exactly seq 1..h (h = the manifest head), each hash verifies, the genesis
 * link is zero and every link verifies. On the copy, the new events must then be exactly h+1..n, each
 * verifying, linked to the manifest head and to each other: SHA-256 is recomputed only for them.
 */
export async function auditChainFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [[row], [head]] = await Promise.all([
    query(auditAggregatesSql('t.occurred_at <= $1', tupleHash), [cutoff]),
    query(lastEventSql('WHERE t.occurred_at <= $1', tupleHash), [cutoff]),
  ]);
  const n = num(row?.n);
  const sequenceOk = n === 0 || (num(row?.min) === 1 && num(row?.max) === n && num(head?.seq) === n);
  const linksOk = n === 0 || linksBalance(row, head?.h);
  return factOf({
    sequenceGaps: sequenceOk ? 0 : 1,
    brokenLinks: linksOk ? 0 : 1,
    hashMismatches: num(row?.bad_hashes),
    badGenesis: num(row?.bad_genesis),
    emptyChain: n === 0 ? 1 : 0,
  });
}

export const auditChainCheck: CheckDefinition = {
  name: 'audit-chain',
  suite: 'pharmacy',
  description:
    'audit sequence has no gaps, every hash verifies and links to its predecessor, the head matches the manifest ' +
    'and is not after the recovery point',
  applies,
  // The pass verifies the events in the same scan that hashes the table: every event when the manifest already
  // says the check runs in full, otherwise the new events only (SHA-256 only for them; the rows the gate calls
  // new when it proves the old ones).
  passes: (m, server) => {
    const full = fullByManifest(m, 'audit-chain');
    const audit = full
      ? auditPassColumns('true', false, linkHash(server))
      : auditPassColumns(newRowCondition(spec('audit_event').cutoffColumn), true, linkHash(server));
    return [
      {
        schema: 'pharmacy',
        table: 'audit_event',
        select: { ...tableAggregates(spec('audit_event')), audit_newest: 'max(t.occurred_at)', ...audit },
        ...(full ? {} : { newOnly: Object.keys(audit) }),
      },
    ];
  },
  async run(context) {
    const h = linkHash(context.server);
    const head = context.manifest.pharmacy?.auditHead;
    const [proof, pass, last, manifestHead] = await Promise.all([
      manifestProves(context, 'audit-chain', ['audit_event']),
      context.pass('pharmacy', 'audit_event'),
      context.query<{ seq: string; h: string }>(lastEventSql('', h)),
      head && head.seq > 0
        ? context.query<{ hash: string; h: string }>(
            `SELECT encode(t.hash, 'hex') AS hash, ${h('t.seq', 't.hash')}::text AS h
               FROM pharmacy.audit_event t WHERE t.seq = $1`,
            [head.seq],
          )
        : Promise.resolve([]),
    ]);
    const headOk = !head || head.seq === 0 || manifestHead.map((r) => r.hash).includes(head.hash);
    const incremental = proof.ok && head !== undefined && head.seq > 0 && headOk;
    const passIsFull = fullByManifest(context.manifest, 'audit-chain');
    let n: number;
    let min: number;
    let max: number;
    let sequenceOk: boolean;
    let linksOk: boolean;
    let genesisOk: boolean;
    let badHashes: number;
    let verified: string;
    if (incremental) {
      // Old events 1..h are the source's (proven there); verify the new ones: h+1..n, each hash, each link,
      // the first linked to the manifest head: {(seq, hash)} - last + (h, head hash) = {(seq - 1, prev_hash)}.
      const row = auditPassRow(pass);
      const k = num(pass.new_rows);
      n = head.seq + k;
      min = 1;
      const lastSeq = num(last[0]?.seq);
      max = k > 0 ? lastSeq : head.seq;
      sequenceOk = k === 0 || (num(pass.new_min_key) === head.seq + 1 && lastSeq === head.seq + k);
      const headTerm = BigInt(manifestHead[0]?.h ?? '0');
      linksOk = linksBalance(row, last[0]?.h, headTerm);
      // Every new seq is above the head (h >= 1) once the sequence holds: the genesis is an old event.
      genesisOk = true;
      badHashes = num(row?.bad_hashes);
      verified = newRowCondition(spec('audit_event').cutoffColumn);
    } else {
      const [row] = passIsFull ? [auditPassRow(pass)] : await context.query(auditAggregatesSql('true', h));
      n = num(row?.n);
      min = num(row?.min);
      max = num(row?.max);
      sequenceOk = n === 0 || (min === 1 && max === n);
      // Every link: {(seq, hash)} minus the head equals {(seq - 1, prev_hash)} for seq > 1.
      linksOk = n === 0 || linksBalance(row, last[0]?.h);
      genesisOk = num(row?.bad_genesis) === 0;
      badHashes = num(row?.bad_hashes);
      verified = 'true';
    }
    const newest = pass.audit_newest instanceof Date ? pass.audit_newest : null;
    const afterRecoveryPoint = newest !== null && newest > context.recoveryPointTime;
    const offendingKeys =
      badHashes > 0
        ? (
            await context.query<{ seq: string }>(
              mismatchedSql(verified),
              verified.includes('$1') ? [context.cutoff] : [],
            )
          ).map((r) => `audit_event:seq=${r.seq}`)
        : [];
    if (!sequenceOk || !linksOk || !genesisOk) {
      const broken = await context.query<{ seq: string }>(`
        SELECT seq FROM (
          SELECT seq, prev_hash, lag(hash) OVER w AS prev, lag(seq) OVER w AS prev_seq
            FROM pharmacy.audit_event WINDOW w AS (ORDER BY seq)) x
         WHERE (prev_seq IS NULL AND (seq <> 1 OR prev_hash <> ${ZERO_HASH}))
            OR (prev_seq IS NOT NULL AND (seq <> prev_seq + 1 OR prev_hash IS DISTINCT FROM prev))
         ORDER BY seq LIMIT ${MAX_KEYS}`);
      offendingKeys.push(...broken.map((r) => `audit_event:seq=${r.seq}`));
    }
    if (!headOk && head) offendingKeys.push(`audit_event:seq=${head.seq}`);
    return {
      passed: sequenceOk && linksOk && badHashes === 0 && genesisOk && !afterRecoveryPoint && headOk,
      measured: {
        events: n,
        firstSeq: min,
        lastSeq: max,
        sequenceWithoutGaps: sequenceOk,
        linksVerify: linksOk,
        hashMismatches: badHashes,
        newest: newest?.toISOString() ?? null,
        newestAfterRecoveryPoint: afterRecoveryPoint,
        manifestHeadSeq: head?.seq ?? null,
        manifestHeadPresent: headOk,
        ...(incremental
          ? { mode: 'incremental' }
          : { mode: 'full', fullReason: proof.ok ? 'no manifest head' : (proof.reason ?? '') }),
      },
      offendingKeys: [...new Set(offendingKeys)].slice(0, MAX_KEYS),
    };
  },
};
