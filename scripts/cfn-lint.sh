#!/usr/bin/env bash
# Lint every CloudFormation template of a synthesized cloud assembly with cfn-lint (an independent validator).
# Usage: scripts/cfn-lint.sh [assembly directory, default cdk.out]
# Fails (exit 1) on any error and on any warning not explained in docs/compliance.md ("cfn-lint warnings");
# exit 2 when cfn-lint is missing or there is nothing to lint. Run a synth of every environment first.
set -euo pipefail
out="${1:-cdk.out}"

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint is not installed: install it (pip install cfn-lint==1.51.0) and run again" >&2
  exit 2
fi

# Templates only: the stage assemblies (assembly-*/) and the top level; never asset directories (asset.*).
mapfile -t templates < <(find "$out" -path '*/asset.*' -prune -o -name '*.template.json' -print | sort)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "no *.template.json under $out: synthesize the environments first" >&2
  exit 2
fi
echo "cfn-lint $(cfn-lint --version | awk '{print $2}') over ${#templates[@]} templates in $out"

# Explained in docs/compliance.md, "cfn-lint warnings": W3005 (aws-cdk-lib's redundant DependsOn on a role it
# also references) and W3691 (major-only engine versions such as "17", which RDS resolves to its default minor).
status=0
cfn-lint -f parseable --ignore-checks W3005 W3691 -- "${templates[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "cfn-lint found problems (exit $status: 2 = errors, 4 = warnings, 8 = informational)" >&2
  exit 1
fi
echo "cfn-lint: no errors, no unexplained warnings"
