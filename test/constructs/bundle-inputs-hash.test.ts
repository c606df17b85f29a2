import { appendFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleInputsHash } from '../../lib/constructs/bundle-inputs-hash';
import { lambdaEntry } from '../../lib/constructs/lambda-entry';
import { PROJECT_ROOT } from '../helpers/synth';
import { tempDir } from '../helpers/temp-dir';

describe('Lambda asset hashes come from the files the bundler reads', () => {
  test('the runbook hash changes when any imported engine file changes (temp copy of lambda/ and engines/)', () => {
    // GIVEN a copy of the project's Lambda entries and engines, resolving packages from the project's node_modules
    const root = tempDir('rxdr-asset-hash');
    for (const folder of ['lambda', 'engines']) {
      cpSync(path.join(PROJECT_ROOT, folder), path.join(root, folder), { recursive: true });
    }
    writeFileSync(path.join(root, 'package.json'), '{ "name": "copy", "private": true }');
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const entry = path.join(root, path.relative(PROJECT_ROOT, lambdaEntry('runbook-steps')));
    const before = bundleInputsHash(entry, root);
    expect(bundleInputsHash(entry, root)).toBe(before);

    // WHEN a file nothing imports changes THEN the hash stays
    mkdirSync(path.join(root, 'engines', 'unused'), { recursive: true });
    writeFileSync(path.join(root, 'engines', 'unused', 'notes.ts'), 'export const unused = 1;\n');
    expect(bundleInputsHash(entry, root)).toBe(before);

    // WHEN a file under engines/common that the runbook imports changes THEN the hash changes
    appendFileSync(path.join(root, 'engines', 'common', 'aws-errors.ts'), '\n// changed\n');
    const afterShared = bundleInputsHash(entry, root);
    expect(afterShared).not.toBe(before);

    // WHEN the runbook engine changes THEN it changes again
    appendFileSync(path.join(root, 'engines', 'failover', 'catalog.ts'), '\n// changed\n');
    expect(bundleInputsHash(entry, root)).not.toBe(afterShared);
  });

  test('a file added to an import chain is picked up without any list to maintain', () => {
    const root = tempDir('rxdr-asset-hash-chain');
    writeFileSync(path.join(root, 'package.json'), '{ "name": "chain", "private": true }');
    writeFileSync(path.join(root, 'entry.ts'), "import { a } from './a';\nexport const handler = () => a;\n");
    writeFileSync(path.join(root, 'a.ts'), 'export const a = 1;\n');
    const before = bundleInputsHash(path.join(root, 'entry.ts'));
    mkdirSync(path.join(root, 'deep', 'er'), { recursive: true });
    writeFileSync(path.join(root, 'deep', 'er', 'b.ts'), 'export const b = 2;\n');
    writeFileSync(path.join(root, 'a.ts'), "import { b } from './deep/er/b';\nexport const a = b;\n");
    const withB = bundleInputsHash(path.join(root, 'entry.ts'));
    expect(withB).not.toBe(before);
    writeFileSync(path.join(root, 'deep', 'er', 'b.ts'), 'export const b = 3;\n');
    expect(bundleInputsHash(path.join(root, 'entry.ts'))).not.toBe(withB);
  });
});
