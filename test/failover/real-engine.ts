import { silentLogger } from '../../engines/validation';
import type { CheckSettings } from '../../engines/validation/check-settings';
import { createChunkHandler } from '../../engines/validation/chunk-handler';
import { createValidatorHandler } from '../../engines/validation/handler';
import type { FakeAws } from './fake-aws';

/**
 * Put the real validation engine behind the fake account's validator functions, as `lambda/validate.ts`
 * (`handler`: planning and the whole-table step) and `lambda/validate-chunks.ts` (`failover`: one chunk) wire
 * it, over the fake account's S3 and Secrets Manager.
 */
export function serveRealValidator(world: FakeAws, checkSettings?: (database: string) => CheckSettings): void {
  const deps = {
    s3: world.clients.s3,
    secrets: world.clients.secrets,
    clock: { now: world.clock.now },
    logger: silentLogger,
    ...(checkSettings ? { checkSettings } : {}),
  };
  world.validatorFunction = createValidatorHandler(deps);
  world.chunkValidatorFunction = createChunkHandler(deps);
}
