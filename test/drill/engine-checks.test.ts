import { CHECK_NAMES } from '../../engines/validation';
import { engineCheck, engineEvidenceChecks, engineReport, isEngineCheckId } from './engine-checks';

describe('stand-in validators answer only what the validation engine can', () => {
  test('a check id the engine has no check of is refused (e.g. the suite-prefixed ids fakes once used)', () => {
    expect(() => engineCheck('generic.row-counts', true)).toThrow(/no check named generic.row-counts/);
    expect(isEngineCheckId('pharmacy.fill-numbers')).toBe(false);
  });

  test('every id a stand-in emits is one of the engine check list', () => {
    const ids = [
      ...engineEvidenceChecks({ passed: true }),
      ...engineEvidenceChecks({ passed: false, failing: 'fill-numbering' }),
      ...engineReport({ passed: false, startedAt: new Date(0), finishedAt: new Date(0) }).checks.map((c) => ({
        id: c.name,
      })),
    ].map((c) => c.id);
    expect(ids.filter((id) => !isEngineCheckId(id))).toEqual([]);
    expect(new Set(ids)).toEqual(new Set([...CHECK_NAMES.generic, ...CHECK_NAMES.pharmacy]));
  });
});
