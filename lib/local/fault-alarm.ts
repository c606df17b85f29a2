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
  let pause: { timer: NodeJS.Timeout; resume: () => void } | undefined;
  const look = async () => {
    const found = await detect().catch(() => false);
    if (found) raised = { name, at: typeof found === 'string' ? found : new Date().toISOString() };
  };
  const loop = (async () => {
    while (!stopping && !raised) {
      await look();
      if (!raised && !stopping)
        await new Promise<void>((resume) => (pause = { timer: setTimeout(resume, intervalMs), resume }));
    }
  })();
  return {
    // The detector looks once more when stopped, so that a fault shortly before the end is not missed by a
    // detector that happened to be between two looks (a rule on CloudTrail events sees every event).
    stop: async () => {
      stopping = true;
      if (pause) {
        clearTimeout(pause.timer);
        pause.resume();
      }
      await loop;
      if (!raised) await look();
      return raised;
    },
  };
}
