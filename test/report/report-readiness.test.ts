import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FilePeopleStore } from '../../engines/readiness/people-store';
import { rxdr } from '../helpers/cli';
import { gameDayParticipation } from '../helpers/people-records';
import { tempDir } from '../helpers/temp-dir';

const ENGINEER_A = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-a';
const ENGINEER_B = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-b';

describe('rxdr report: readiness of people', () => {
  test('GIVEN the shipped roster and a game day 200 days ago for engineer B WHEN the report is written THEN B is overdue in the section and among the problems, A is current', async () => {
    const dir = tempDir('rxdr-report-readiness');
    const store = new FilePeopleStore(dir);
    await store.put(gameDayParticipation(ENGINEER_A, 'engineer', 20));
    await store.put(gameDayParticipation(ENGINEER_B, 'engineer', 200));
    const out = path.join(dir, 'report.html');
    const result = await rxdr('report', '--evidence', dir, '--config', 'config/rxdr.config.json', '--out', out);
    expect(result.code).toBe(0);
    const html = await readFile(out, 'utf8');
    const section = html.slice(html.indexOf('<section id="readiness"'));
    const row = (arn: string) => section.slice(section.indexOf(`data-person="${arn}"`)).split('</tr>')[0]!;
    expect(row(ENGINEER_B)).toMatch(/class="bad">overdue</);
    expect(row(ENGINEER_B)).toContain('primary-instance-failure');
    expect(row(ENGINEER_A)).toMatch(/class="good">current<\/span> until/);
    expect(row(ENGINEER_A)).toMatch(/class="training"><span class="bad">[^<]*phi-handling/);
    const problems = html.slice(html.indexOf('id="problems"'), html.indexOf('id="coverage"'));
    expect(problems).toMatch(/<strong>Example engineer B<\/strong> \(engineer in staging\) is overdue for a game day/);
    expect(problems).not.toMatch(/Example engineer A/);
  });
});
