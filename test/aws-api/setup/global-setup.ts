import { startMoto } from './moto-server';

/** One moto server for the run; test workers inherit its endpoint and the fake credentials. */
export default async function globalSetup(): Promise<void> {
  await startMoto();
}
