#!/usr/bin/env node
// Check the synthesized production templates with cfn-guard and the AWS Control Tower proactive rules that the
// @cdklabs/cdk-validator-cfnguard package ships (binary and rules, no download).
// Usage: node scripts/cfn-guard.js [assembly directory, default cdk.out/prod]
// Exit 0: every finding is acknowledged in scripts/cfn-guard-acknowledged.json (per rule and resource, with a
// reason; docs/compliance.md lists them); 1: an unacknowledged finding, or an acknowledgement nothing matches any
// more; 2: no templates (run `npm run synth` first) or no cfn-guard binary for this platform.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.resolve(root, process.argv[2] ?? 'cdk.out/prod');
const pkg = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const platform = { linux: 'ubuntu', darwin: 'macos' }[process.platform];
const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
const binary = path.join(pkg, 'bin', platform ?? '-', arch ?? '-', 'cfn-guard');
const rules = path.join(pkg, 'rules', 'control-tower', 'cfn-guard');

function fail(code, message) {
  console.error(message);
  process.exit(code);
}

if (!fs.existsSync(binary)) fail(2, `no cfn-guard binary for ${process.platform}/${process.arch} in ${pkg}`);
const templates = [];
const walk = (dir) => {
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
    if (entry.isDirectory() && !entry.name.startsWith('asset.')) walk(path.join(dir, entry.name));
    else if (entry.isFile() && entry.name.endsWith('.template.json')) templates.push(path.join(dir, entry.name));
  }
};
walk(out);
if (templates.length === 0) fail(2, `no *.template.json under ${out}: run \`npm run synth\` first`);

let report;
try {
  report = execFileSync(
    binary,
    ['validate', '-r', rules, ...templates.flatMap((t) => ['-d', t]), '-S', 'none', '-o', 'json'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
} catch (error) {
  // cfn-guard exits 19 when a rule fails; its report is still on stdout.
  if (typeof error.stdout !== 'string' || error.stdout.length === 0) throw error;
  report = error.stdout;
}
const results = JSON.parse(`[${report.replace(/\}\s*\{\s*"name"/g, '},{"name"')}]`);

/** Every (rule, template, resource) that failed, with the control id from the rule's message. */
const findings = [];
for (const result of results.filter((r) => r.status === 'FAIL')) {
  for (const failure of result.not_compliant) {
    const text = JSON.stringify(failure);
    const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(text)?.[1] ?? '';
    const resources = new Set([...text.matchAll(/\/Resources\/([^/"\]]+)/g)].map((m) => m[1]));
    for (const resource of resources)
      findings.push({ rule: failure.Rule.name, control, template: path.basename(result.name), resource });
  }
}
const unique = [...new Map(findings.map((f) => [`${f.rule} ${f.template} ${f.resource}`, f])).values()];

const { acknowledged } = JSON.parse(fs.readFileSync(path.join(__dirname, 'cfn-guard-acknowledged.json'), 'utf8'));
const matches = (ack, finding) =>
  ack.rule === finding.rule && ack.resources.some((p) => finding.resource.startsWith(p));
const open = unique.filter((f) => !acknowledged.some((ack) => matches(ack, f)));
const stale = acknowledged.filter((ack) => !unique.some((f) => matches(ack, f)));

console.log(
  `cfn-guard ${path.basename(pkg)} (Control Tower proactive rules) over ${templates.length} templates in ${path.relative(root, out)}: ` +
    `${unique.length} findings, ${unique.length - open.length} acknowledged`,
);
for (const f of open) console.error(`  ${f.control} ${f.rule}: ${f.template} ${f.resource}`);
for (const ack of stale)
  console.error(`  acknowledged but no longer found (remove it): ${ack.rule} ${ack.resources.join(', ')}`);
if (open.length > 0 || stale.length > 0) {
  fail(
    1,
    open.length > 0
      ? 'fix them, or acknowledge each with its reason in scripts/cfn-guard-acknowledged.json and docs/compliance.md'
      : 'stale acknowledgements',
  );
}
console.log('cfn-guard: every finding is acknowledged with its reason');
