import type { FakeAws } from './fake-aws';

/** Clients of `dispensing` reach `host`: its DNS record, its endpoint parameter and its secret (host only changed). */
export function expectRepointedTo(world: FakeAws, host: string): void {
  expect(world.records.get('dispensing.db.rx.internal.')).toBe(host);
  expect(world.parameters.get('/rx/dispensing/endpoint')).toBe(host);
  expect(world.secret.json).toEqual({
    engine: 'postgres',
    username: 'rx_app',
    password: 's3cret',
    host,
    port: 5432,
    dbname: 'rx',
  });
}
