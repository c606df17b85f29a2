import { stopTestPostgres } from '../helpers/postgres-server';

export default async function globalTeardown(): Promise<void> {
  await stopTestPostgres();
}
