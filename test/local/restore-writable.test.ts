import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { Client } from 'pg';
import { runLocalDrill } from '../../lib/local/local-drill';
import { PostgresCluster } from '../../lib/local/postgres-cluster';
import { probeValidator, probeWriter } from './probe-workload';

/** Each unit also writes ~2 MB, so replaying the archive after the base backup takes a noticeable time. */
function bulkWriter() {
  const probe = probeWriter();
  let prepared = false;
  return async (client: Client, at: Date) => {
    if (!prepared) {
      await client.query('CREATE TABLE IF NOT EXISTS rxdr_bulk (id int, body text)');
      prepared = true;
    }
    await client.query('INSERT INTO rxdr_bulk SELECT g, repeat(md5(g::text), 12) FROM generate_series(1, 5000) g');
    await probe(client, at);
  };
}

/** When the server logged the end of recovery ("ready to accept connections"), from its log (UTC). */
async function readyAt(logFile: string): Promise<number> {
  const log = await readFile(logFile, 'utf8');
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) (UTC|GMT) .*ready to accept connections/m.exec(log);
  if (!match) throw new Error(`no UTC "ready to accept connections" line in ${logFile}:\n${log.slice(-2000)}`);
  return Date.parse(`${match[1]}T${match[2]}Z`);
}

describe('local restore: time to a writable server', () => {
  test('GIVEN WAL to replay after the base backup WHEN the restore reports its time to accepting THEN it ends after recovery finished, not when pg_ctl returned', async () => {
    const result = await runLocalDrill({
      evidenceDir: null,
      prescriptions: 200,
      loadSecondsAfterBackup: 2,
      keep: true,
      hooks: { unitWriter: bulkWriter(), validator: () => probeValidator() },
    });
    const dataDir = result.kept?.dataDir;
    try {
      expect(result.evidence.result).toBe('passed');
      const began = Date.parse(result.evidence.timestamps.restoreStarted!);
      const accepting = began + result.evidence.metrics!.restoreToAcceptingMs!;
      const ready = await readyAt(path.join(path.dirname(dataDir!), 'postgres.log'));
      expect(accepting).toBeGreaterThanOrEqual(ready);
      expect(result.evidence.metrics!.restoreBytes).toBeGreaterThan(1e6);
    } finally {
      if (dataDir) await (await PostgresCluster.fromDataDir(path.dirname(dataDir), dataDir)).destroy();
      await rm(result.workspace, { recursive: true, force: true });
    }
  });
});
