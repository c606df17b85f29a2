import { readdir } from 'node:fs/promises';
import { Client } from 'pg';
import type { DrillValidator } from '../../engines/drill/validator';
import { clientConfig } from '../../engines/validation/db';
import type { UnitWriter } from '../../lib/local/write-load';

/**
 * A minimal write load and validator for tests of the local restore machinery itself (archiving, base
 * backup, PITR, cleanup), independent of the pharmacy validation engine: each unit inserts one row stamped
 * with its time; validation measures the RPO from the newest restored row.
 */
export function probeWriter(): UnitWriter {
  let prepared = false;
  return async (client: Client, at: Date) => {
    if (!prepared) {
      await client.query('CREATE TABLE IF NOT EXISTS rxdr_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL)');
      prepared = true;
    }
    await client.query('INSERT INTO rxdr_probe (at) VALUES ($1)', [at]);
  };
}

/** The WAL segments archived after the base backup ended, oldest first (a fault test removes or holds one). */
export async function segmentsAfterBackup(archiveDir: string, backup: { stopWalFile: string }): Promise<string[]> {
  return (await readdir(archiveDir)).filter((f) => /^[0-9A-F]{24}$/.test(f) && f > backup.stopWalFile).sort();
}

export function probeValidator(): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime }) => {
      const client = new Client(clientConfig(connection.url));
      await client.connect();
      try {
        const { rows } = await client.query<{ newest: Date; n: string }>(
          'SELECT max(at) AS newest, count(*) AS n FROM rxdr_probe',
        );
        const newest = rows[0]!.newest;
        const rpo = (recoveryPointTime.getTime() - newest.getTime()) / 1000;
        return {
          passed: true,
          achievedRpoSeconds: rpo,
          checks: [
            {
              id: 'probe.rows',
              category: 'custom',
              status: 'passed',
              message: `${rows[0]!.n} probe rows, newest ${newest.toISOString()}`,
            },
          ],
        };
      } finally {
        await client.end();
      }
    },
  };
}
