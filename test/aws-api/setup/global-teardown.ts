import { stopMoto } from './moto-server';

export default async function globalTeardown(): Promise<void> {
  await stopMoto();
}
