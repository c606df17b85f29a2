#!/usr/bin/env bash
# Synthesize every configured environment the way `cdk deploy '<Stage>/*' -c env=<env>` does: cdk.json's app and
# context, one stage selected per run, so the CLI enforces the validation report for its stacks.
# Each environment goes to cdk.out/<env>/ (scripts/cfn-lint.sh lints them all). Extra arguments go to cdk synth.
set -euo pipefail
cd "$(dirname "$0")/.."
config="${RXDR_CONFIG:-config/rxdr.config.json}"
mapfile -t envs < <(node -e 'for (const name of Object.keys(require(require("path").resolve(process.argv[1])).environments)) console.log(name)' "$config")
for env in "${envs[@]}"; do
  stage="$(tr '[:lower:]' '[:upper:]' <<<"${env:0:1}")${env:1}"
  echo "--- cdk synth '$stage/*' -c env=$env"
  npx cdk synth "$stage/*" -c "env=$env" --quiet --no-notices -o "cdk.out/$env" "$@"
done
