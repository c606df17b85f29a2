import { assertSeparateApproval, parsePrincipal, samePerson } from '../../../engines/failover/separation';

const session = (role: string, name: string) => `arn:aws:sts::111111111111:assumed-role/${role}/${name}`;

describe('who a verified principal names', () => {
  test.each([
    [session('rxdr-prod-Operator', 'alice'), { role: 'rxdr-prod-Operator', person: 'alice' }],
    [
      'arn:aws:sts::111111111111:assumed-role/ops/rxdr-prod-Approver/Bob',
      { role: 'rxdr-prod-Approver', person: 'bob' },
    ],
    ['arn:aws:iam::111111111111:user/team/alice', { person: 'alice' }],
    ['arn:aws:iam::111111111111:root', { person: 'arn:aws:iam::111111111111:root' }],
  ])('%s', (arn, expected) => {
    expect(parsePrincipal(arn)).toMatchObject({ account: '111111111111', ...expected });
  });

  test('one person through two roles, or as the IAM user behind them, is the same person', () => {
    expect(samePerson(session('rxdr-prod-Operator', 'alice'), session('rxdr-prod-Approver', 'alice'))).toBe(true);
    expect(samePerson(session('rxdr-prod-Operator', 'alice'), 'arn:aws:iam::111111111111:user/alice')).toBe(true);
    expect(samePerson(session('rxdr-prod-Operator', 'alice'), session('rxdr-prod-Approver', 'bob'))).toBe(false);
  });
});

describe('assertSeparateApproval', () => {
  const start = session('rxdr-prod-Operator', 'alice');
  test('refuses self-approval with Rxdr.SelfApproval', () => {
    expect(() => assertSeparateApproval(start, { approvedBy: session('rxdr-prod-Approver', 'alice') })).toThrow(
      expect.objectContaining({ name: 'Rxdr.SelfApproval' }),
    );
  });
  test('lets another person and break-glass through', () => {
    expect(() => assertSeparateApproval(start, { approvedBy: session('rxdr-prod-Approver', 'bob') })).not.toThrow();
    expect(() =>
      assertSeparateApproval(start, { approvedBy: session('rxdr-prod-break-glass', 'alice'), breakGlass: true }),
    ).not.toThrow();
  });
});
