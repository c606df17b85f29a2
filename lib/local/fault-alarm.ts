import type { AlarmObservation } from '../../engines/gameday/observations';

/** A running detector: `stop` ends it and says whether (and when) it raised its alarm. */
export interface FaultAlarm {
  stop(): Promise<AlarmObservation | undefined>;
}

/**
 * The local game day's monitoring: `detect` is asked every `intervalMs` whether the fault shows (the primary
 * stops answering, a refused deletion appears in the server log); the first time it does, the alarm `name` is
 * raised at that moment, or at the time `detect` returns: that of the recorded event it matched (as a rule on
 * CloudTrail events fires per event), so that two alarms over one log are ordered by their events, not by which
 * one happened to look first. This is what the AWS game day reads from CloudWatch alarms.
 */
export function watchForAlarm(
  name: string,
  detect: () => Promise<boolean | string | undefined>,
  intervalMs = 200,
): FaultAlarm {
  let raised: AlarmObservation | undefined;
  let stopping = false;
  const loop = (async () => {
    while (!stopping && !raised) {
      const found = await detect().catch(() => false);
      if (found) raised = { name, at: typeof found === 'string' ? found : new Date().toISOString() };
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
