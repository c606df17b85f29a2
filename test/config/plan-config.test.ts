import { contingencyGaps, templateVariables } from '../../lib/config/contingency';
import { environment, problemsOf, shippedConfig } from '../helpers/config';

const template = (subject: string, body = 'Body for {{environment}}') => ({ subject, body });
const level = (role: string, escalateAfterMinutes: number) => ({
  role,
  name: 'A person',
  email: `${role.replace(/\W/g, '')}@example.com`,
  escalateAfterMinutes,
});

describe('contingency configuration', () => {
  test('every shipped environment has a complete contingency section', () => {
    for (const env of shippedConfig().environments) {
      expect({ env: env.name, gaps: contingencyGaps(env.contingency) }).toEqual({ env: env.name, gaps: [] });
    }
  });

  test('is optional for synth: an environment without it parses and reports every gap', () => {
    const env = environment();
    expect(env.contingency).toEqual({});
    expect(contingencyGaps(env.contingency).map((gap) => gap.field)).toEqual([
      'contingency.escalation',
      'contingency.stakeholders',
      'contingency.stakeholders',
      'contingency.stakeholders',
      'contingency.messages.planActivated',
      'contingency.messages.failoverComplete',
      'contingency.messages.failbackComplete',
      'contingency.emergencyMode',
    ]);
  });

  test('a template using an unknown variable is rejected, naming it and the known ones', () => {
    const message = problemsOf({
      contingency: { messages: { planActivated: template('Plan activated', 'Started by {{operator}} at {{time}}') } },
    });
    expect(message).toMatch(
      /contingency\.messages\.planActivated\.body: unknown template variable \{\{operator\}\}; known: \{\{environment\}\}/,
    );
  });

  test('an SNS subject over 100 characters is rejected with its length', () => {
    const message = problemsOf({ contingency: { messages: { failoverComplete: template('x'.repeat(101)) } } });
    expect(message).toMatch(
      /contingency\.messages\.failoverComplete\.subject: an SNS subject has at most 100 characters, got 101/,
    );
  });

  test('a subject with a line break is rejected', () => {
    const message = problemsOf({ contingency: { messages: { failbackComplete: template('Failback\ncomplete') } } });
    expect(message).toMatch(/failbackComplete\.subject: an SNS subject must not contain line breaks/);
  });

  test('an empty body is rejected', () => {
    expect(problemsOf({ contingency: { messages: { planActivated: template('Activated', '') } } })).toMatch(
      /planActivated\.body: the body must not be empty/,
    );
  });

  test('a role listed twice in the escalation chain is rejected', () => {
    const message = problemsOf({
      contingency: { escalation: [level('On-call engineer', 0), level('on-call engineer', 10)] },
    });
    expect(message).toMatch(
      /contingency\.escalation\[1\]\.role: duplicate role "on-call engineer" \(also escalation\[0\]\)/,
    );
  });

  test('the chain must escalate later at each level, and the first level is paged at once', () => {
    const message = problemsOf({
      contingency: {
        escalation: [level('On-call engineer', 5), level('IT manager', 30), level('Compliance officer', 30)],
      },
    });
    expect(message).toMatch(
      /escalation\[0\]\.escalateAfterMinutes: the first level is paged at once: must be 0, got 5/,
    );
    expect(message).toMatch(
      /escalation\[2\]\.escalateAfterMinutes: must be later than the previous level's 30 minutes .*got 30/,
    );
  });

  test('a phone number must be E.164', () => {
    const message = problemsOf({
      contingency: { escalation: [{ ...level('On-call engineer', 0), phone: '555-0100' }] },
    });
    expect(message).toMatch(/escalation\[0\]\.phone: must be an E\.164 phone number .*got "555-0100"/);
  });

  test('stakeholders need a known group and an email address', () => {
    const message = problemsOf({
      contingency: { stakeholders: [{ group: 'press', name: 'Press office', email: 'not-an-address' }] },
    });
    expect(message).toMatch(/stakeholders\[0\]\.group:/);
    expect(message).toMatch(/stakeholders\[0\]\.email: must be an email address \(got "not-an-address"\)/);
  });

  test('business associates are told within 72 hours at most', () => {
    const message = problemsOf({
      contingency: {
        stakeholders: [
          { group: 'business-associate', name: 'Clearinghouse', email: 'ba@example.com', notifyWithinHours: 96 },
        ],
      },
    });
    expect(message).toMatch(/stakeholders\[0\]\.notifyWithinHours: at most 72 hours \(got 96\)/);
  });

  test('an emergency-mode step must say something', () => {
    expect(problemsOf({ contingency: { emergencyMode: ['paper'] } })).toMatch(/emergencyMode\[0\]: describe the step/);
  });

  test('templateVariables lists each variable once, in order', () => {
    expect(templateVariables('{{time}} {{ environment }} {{time}}')).toEqual(['time', 'environment']);
  });
});

describe('audit trail configuration', () => {
  test('defaults to a trail rxdr creates, logs kept 6 years under Object Lock', () => {
    expect(environment().auditTrail).toEqual({ mode: 'create', logRetentionDays: 365, objectLockDays: 2190 });
  });

  test('organization mode needs the organization trail ARN', () => {
    expect(problemsOf({ auditTrail: { mode: 'organization' } })).toMatch(
      /auditTrail\.organizationTrailArn: mode "organization" needs the organization trail's ARN/,
    );
  });

  test('an organization trail ARN is only accepted in organization mode', () => {
    const arn = 'arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail';
    expect(problemsOf({ auditTrail: { organizationTrailArn: arn } })).toMatch(
      /auditTrail\.organizationTrailArn: only used with mode "organization"; mode is "create", got "arn:aws:cloudtrail/,
    );
    expect(environment({ auditTrail: { mode: 'organization', organizationTrailArn: arn } }).auditTrail).toMatchObject({
      mode: 'organization',
      organizationTrailArn: arn,
    });
  });

  test('the organization trail ARN must be a CloudTrail trail ARN', () => {
    expect(problemsOf({ auditTrail: { mode: 'organization', organizationTrailArn: 'org-trail' } })).toMatch(
      /organizationTrailArn: must be a CloudTrail trail ARN \(got "org-trail"\)/,
    );
  });

  test('the log retention must be a CloudWatch Logs value', () => {
    expect(problemsOf({ auditTrail: { logRetentionDays: 100 } })).toMatch(
      /auditTrail\.logRetentionDays: must be a CloudWatch Logs retention .*got 100/,
    );
  });

  test('trail log files are kept at least a year', () => {
    expect(problemsOf({ auditTrail: { objectLockDays: 90 } })).toMatch(
      /auditTrail\.objectLockDays: keep audit logs at least 365 days \(PCI DSS 10\.5\.1\) \(got 90\)/,
    );
  });
});
