import { S3EvidenceStore } from '../engines/evidence/store';
import { systemClock } from '../engines/common/clock';
import { clients, env, powertoolsSink, rdsIn, settingsFromEnv } from '../engines/drill/aws/commons';
import { describedAllocatedStorage } from '../engines/drill/aws/first-drill-size';
import { DRILL_ENV } from '../engines/drill/environment';
import { notifyTask } from '../engines/drill/aws/notify';
import { evidenceHistory, planTask } from '../engines/drill/aws/plan';
import { recordEvidenceTask } from '../engines/drill/aws/record';
import { traced } from '../engines/drill/aws/traced';
import {
  checkCleanupTask,
  checkRestoreTask,
  pickSourceTask,
  requestCleanupTask,
  startRestoreTask,
  TaskDeps,
} from '../engines/drill/aws/tasks';

/** The drill state machine's Task states, one function each (the logic is in engines/drill/aws). */
const taskDeps = (): TaskDeps => ({ clients, settings: settingsFromEnv(), clock: systemClock });

export const plan = traced('Plan', (event) =>
  planTask(event, {
    history: evidenceHistory(clients.s3, env(DRILL_ENV.evidenceBucket)),
    allocatedStorage: describedAllocatedStorage(rdsIn),
  }),
);
export const pickSource = traced('PickSource', (event) => pickSourceTask(event, taskDeps()));
export const startRestore = traced('StartRestore', (event) => startRestoreTask(event, taskDeps()));
export const checkRestore = traced('CheckRestore', (event) => checkRestoreTask(event, taskDeps()));
export const requestCleanup = traced('RequestCleanup', (event) => requestCleanupTask(event, taskDeps()));
export const checkCleanup = traced('CheckCleanup', (event) => checkCleanupTask(event, taskDeps()));
export const recordEvidence = traced('RecordEvidence', (event) =>
  recordEvidenceTask(event, {
    backup: clients.backup,
    store: new S3EvidenceStore(clients.s3, env(DRILL_ENV.evidenceBucket)),
    metrics: powertoolsSink,
    clock: systemClock,
  }),
);
export const notify = traced('Notify', (event) =>
  notifyTask(event, { sns: clients.sns, topicArn: env(DRILL_ENV.topicArn) }),
);
