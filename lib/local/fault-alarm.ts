import type { AlarmObservation } from '../../engines/gameday/observations';

/** A running detector: `stop` ends it and says whether (and when) it raised its alarm. */
export interface FaultAlarm {
  stop(): Promise<AlarmObservation | undefined>;
}

/**
 * The local game day's monitoring: `detect` is asked every `intervalMs` whether the fault shows (the primary
 * stops answering, a refused deletion appears in the server log); the first time it does, the alarm `name` is
 * raised at that moment. This is what the AWS game day reads from CloudWatch alarms.
 */
export function watchForAlarm(name: string, detect: () => Promise<boolean>, intervalMs = 200): FaultAlarm {
  let raised: AlarmObservation | undefined;
  let stopping = false;
  const loop = (async () => {
    while (!stopping && !raised) {
      if (await detect().catch(() => false)) raised = { name, at: new Date().toISOString() };
      else await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return raised;
    },
  };
}
