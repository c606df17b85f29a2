import { LocalClusterRestoreProvider } from './local-cluster-restore-provider';
import { AURORA_POSTGRESQL, type LocalEngine } from './local-engines';
import type { LocalRestoreBase, LocalRestoreProviderOptions } from './local-restore-base';
import { LocalRestoreProvider } from './local-restore-provider';

/** The local restore provider of an engine: an instance's, or a cluster's (restore the cluster, add its instance). */
export function localRestoreProvider(
  engine: LocalEngine | undefined,
  options: LocalRestoreProviderOptions,
): LocalRestoreBase {
  return engine === AURORA_POSTGRESQL ? new LocalClusterRestoreProvider(options) : new LocalRestoreProvider(options);
}
