import { watchForAlarm } from '../../lib/local/fault-alarm';

describe('watchForAlarm', () => {
  test('two alarms over one log are ordered by the events they matched, not by which looked first', async () => {
    const log = [
      { call: 'DeleteRecoveryPoint', at: '2026-12-07T10:00:00.001Z' },
      { call: 'PutStoreLock', at: '2026-12-07T10:00:00.002Z' },
    ];
    const matching = (call: string) => async () => log.find((c) => c.call === call)?.at;
    // The lock-change alarm looks first; the deletion alarm only 50 ms later.
    const lockChange = watchForAlarm('lock-change', matching('PutStoreLock'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const deletion = watchForAlarm('deletion', matching('DeleteRecoveryPoint'));
    const raised = [await lockChange.stop(), await deletion.stop()];
    expect(raised.sort((a, b) => a!.at.localeCompare(b!.at)).map((a) => a?.name)).toEqual(['deletion', 'lock-change']);
    expect(raised.map((a) => a?.at)).toEqual(['2026-12-07T10:00:00.001Z', '2026-12-07T10:00:00.002Z']);
  });

  test('a detection that only says yes is raised when it was seen', async () => {
    const before = new Date().toISOString();
    const alarm = watchForAlarm('down', async () => true);
    const raised = await alarm.stop();
    expect(raised?.name).toBe('down');
    expect(raised!.at >= before).toBe(true);
  });

  test('an event recorded while the detector is between two looks is still raised when it stops', async () => {
    const log: { call: string; at: string }[] = [];
    const alarm = watchForAlarm('deletion', async () => log[0]?.at, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first look found nothing
    log.push({ call: 'DeleteRecoveryPoint', at: '2026-12-07T10:00:00.001Z' });
    expect(await alarm.stop()).toEqual({ name: 'deletion', at: '2026-12-07T10:00:00.001Z' });
  });
});
