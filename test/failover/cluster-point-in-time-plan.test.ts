import { isCluster } from '../../lib/config/database-kind';
import { names } from '../../lib/naming';
import { recoverySection } from '../../lib/plan/sections-operations';
import { shippedConfig } from '../helpers/config';

/** The contingency plan lists each cluster's point-in-time restore, in its own region, next to its failover. */
describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))('plan of %s', (_name, config) => {
  const clusters = config.databases.filter(isCluster);

  test('each cluster’s procedure names its point-in-time restore beside it in the primary region', () => {
    const text = JSON.stringify(recoverySection({ config } as Parameters<typeof recoverySection>[0]));
    for (const db of clusters) {
      const primary = names.primaryCluster(config, db);
      expect(text).toContain(
        `\`point-in-time\` (with \`--force\`, the cluster still answers) restores \`${primary}\` to a chosen time ` +
          `(default its latest restorable time) as \`${primary}-restored\` beside it in ${config.primaryRegion}`,
      );
    }
    expect(text.split('`point-in-time` (with').length - 1).toBe(clusters.length);
  });
});
