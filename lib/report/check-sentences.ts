import type { EvidenceCheck } from '../../engines/evidence/schema';
import { count, plural } from './format';

type Measured = Record<string, unknown>;

/**
 * A check's result as one sentence with its numbers ("12 tables, none mismatched"; "1,031 e-prescription
 * signatures, all intact"), from the measurements the validation engine recorded. A check without them (older
 * evidence, checks a run adds itself) keeps its own message.
 */
export function checkSentence(check: EvidenceCheck): string {
  if (check.status === 'error') return `Could not run: ${check.message}`;
  const measured = check.details?.measured;
  if (!isRecord(measured)) return check.message;
  const sentence = SENTENCES[check.id]?.(measured) ?? (check.id.startsWith('custom:') ? custom(measured) : undefined);
  return sentence ?? check.message;
}

const SENTENCES: Record<string, (m: Measured) => string | undefined> = {
  schema: (m) => {
    const missing = [...list(m.missingSchemas), ...list(m.missingTables)];
    const changed = list(m.changedTables);
    if (num(m.tables) === undefined) return undefined;
    const problems = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      changed.length ? `changed ${changed.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `${plural(num(m.schemas) ?? 0, 'schema')} and ${plural(num(m.tables) ?? 0, 'table')} present with their columns${problems ? `, but ${problems}` : ', none missing or changed'}`;
  },
  'row-counts': (m) => tables(m, 'row counts'),
  checksums: (m) => tables(m, 'whole-row checksums'),
  'audit-chain': (m) => {
    const events = num(m.events);
    if (events === undefined) return undefined;
    const faults = [
      m.sequenceWithoutGaps === false ? 'the sequence has gaps' : '',
      m.linksVerify === false ? 'links do not verify' : '',
      num(m.hashMismatches) ? plural(num(m.hashMismatches) ?? 0, 'hash mismatch', 'hash mismatches') : '',
      m.newestAfterRecoveryPoint === true ? 'the newest event is after the recovery point' : '',
    ].filter(Boolean);
    return `${plural(events, 'audit event')}, ${faults.length ? faults.join(', ') : 'sequence without gaps and every hash verifies'}`;
  },
  'epcs-signatures': (m) => {
    const rows = num(m.epcsPrescriptions);
    if (rows === undefined) return undefined;
    const altered = num(m.payloadHashMismatches) ?? 0;
    const manifest = m.matchesManifest === false ? '; the set differs from the manifest' : '';
    return `${count(rows)} e-prescription signature${rows === 1 ? '' : 's'}, ${altered ? `${count(altered)} altered` : 'all intact'}${manifest}`;
  },
  'fill-numbering': (m) => {
    const rx = num(m.prescriptions);
    if (rx === undefined) return undefined;
    const faults = [
      num(m.gaps) ? `${plural(num(m.gaps) ?? 0, 'prescription')} with a gap` : '',
      num(m.tooMany) ? `${plural(num(m.tooMany) ?? 0, 'prescription')} over its refills` : '',
      num(m.scheduleIIRefills) ? `${plural(num(m.scheduleIIRefills) ?? 0, 'Schedule II refill')}` : '',
    ].filter(Boolean);
    return `Fill numbers of ${plural(rx, 'prescription')}: ${faults.length ? faults.join(', ') : 'no gaps, none over the refills authorised, no Schedule II refills'}`;
  },
  'foreign-keys': (m) => {
    const keys = num(m.foreignKeys);
    if (keys === undefined) return undefined;
    const orphans = isRecord(m.orphans) ? Object.entries(m.orphans).filter(([, v]) => Number(v) > 0) : [];
    const total = orphans.reduce((n, [, v]) => n + Number(v), 0);
    return `${plural(keys, 'foreign key')}, ${total ? `${plural(total, 'orphan row')} (${orphans.map(([k, v]) => `${k}: ${String(v)}`).join(', ')})` : 'no orphan rows'}`;
  },
  'rx-uniqueness': (m) => {
    const duplicates = num(m.duplicateRxNumbers);
    if (duplicates === undefined) return undefined;
    return duplicates
      ? `${plural(duplicates, 'Rx number')} used twice in one pharmacy`
      : 'Rx numbers unique in every pharmacy';
  },
  'cs-ledger': (m) => {
    const entries = num(m.entries);
    if (entries === undefined) return undefined;
    const faults = [
      num(m.unbalancedLedgers) ? `${plural(num(m.unbalancedLedgers) ?? 0, 'ledger')} unbalanced` : '',
      num(m.negativeLedgers) ? `${plural(num(m.negativeLedgers) ?? 0, 'ledger')} negative` : '',
      num(m.entriesNotMatchingTransactions)
        ? `${plural(num(m.entriesNotMatchingTransactions) ?? 0, 'entry', 'entries')} not matching a transaction`
        : '',
      num(m.transactionsWithoutEntry)
        ? `${plural(num(m.transactionsWithoutEntry) ?? 0, 'transaction')} without an entry`
        : '',
    ].filter(Boolean);
    return `${plural(entries, 'controlled-substance ledger entry', 'controlled-substance ledger entries')}, ${faults.length ? faults.join(', ') : 'every ledger balanced and never negative'}`;
  },
  'claim-reversals': (m) => {
    const mismatches = num(m.totalMismatches);
    if (mismatches === undefined) return undefined;
    return mismatches
      ? `${plural(mismatches, 'claim reversal problem')} (reversed twice, bad or missing target, totals)`
      : 'Every paid claim reversed at most once, every reversal points at its claim, totals match the manifest';
  },
};

function tables(m: Measured, what: string): string | undefined {
  const n = num(m.tables);
  if (n === undefined) return undefined;
  const mismatched = isRecord(m.mismatched) ? Object.keys(m.mismatched) : [];
  return `${what[0]?.toUpperCase()}${what.slice(1)} of ${plural(n, 'table')}, ${mismatched.length ? `${count(mismatched.length)} mismatched: ${mismatched.join(', ')}` : 'none mismatched'}`;
}

function custom(m: Measured): string | undefined {
  if (m.expect === 'no-rows') {
    const rows = num(m.rows) ?? 0;
    return rows ? `${plural(rows, 'offending row')}${m.moreRows === true ? ' or more' : ''}` : 'No offending rows';
  }
  if (m.expect === 'true') return m.value === true ? 'The assertion holds' : 'The assertion does not hold';
  return undefined;
}

function isRecord(value: unknown): value is Measured {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
