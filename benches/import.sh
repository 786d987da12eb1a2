#!/usr/bin/env bash
# The import figures of docs/benchmarks.md (issue 13), measured by hand:
#
#   bash benches/import.sh [MODELS] [VERSIONS]     # default 100 100
#
# Builds the release binary, an MLflow SQLite store of MODELS x VERSIONS with real
# MLflow (tests/fixtures/mlflow_fixture.py big; needs `bash .ci/setup-tools`) and a
# GTO registry of the same size (benches/gto_big.py), then times, each in a fresh
# registry: the import unsigned, signed with an ssh key, and again (nothing new);
# and the baselines of the same run: reading the same store with omgreg's reader
# (`omgreg debug mlflow-dump`) and with MLflow's own client, and `gto show` on the
# GTO repository.
set -euo pipefail
cd "$(dirname "$0")/.."
models=${1:-100}
versions=${2:-100}
venv=${OMGREG_TOOLS_VENV:-$PWD/target/tools-venv}
cargo build --release --quiet
omgreg=$PWD/target/release/omgreg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 OMGREG_NO_PROGRESS=1
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true

seconds() { # seconds COMMAND...: wall-clock seconds of COMMAND (output discarded)
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

registry() { # registry NAME [signed]: a fresh registry; prints its path
  local reg=$work/$1
  "$omgreg" init "$reg" >/dev/null 2>&1
  git -C "$reg" config user.name Importer
  git -C "$reg" config user.email importer@example.com
  if [ "${2:-}" = signed ]; then
    git -C "$reg" config gpg.format ssh
    git -C "$reg" config user.signingkey "$work/key.pub"
    git -C "$reg" config commit.gpgsign true
  fi
  echo "$reg"
}

ssh-keygen -q -t ed25519 -N "" -f "$work/key" -C importer@example.com
echo "load: $(cut -d' ' -f1 /proc/loadavg)"

"$venv/bin/python" tests/fixtures/mlflow_fixture.py big "$work/mlflow.db" "$models" "$versions" "$work/big.json" >/dev/null 2>&1
uri=sqlite:///$work/mlflow.db
reader=$(seconds "$omgreg" debug mlflow-dump --tracking-uri "$uri")
client=$(seconds "$venv/bin/python" -c "
import mlflow
c = mlflow.MlflowClient('$uri')
for m in c.search_registered_models(max_results=1000):
    for v in c.search_model_versions(f\"name='{m.name}'\", max_results=10000):
        c.get_run(v.run_id)
")
reg=$(registry mlflow)
unsigned=$(seconds "$omgreg" -C "$reg" import mlflow --tracking-uri "$uri")
again=$(seconds "$omgreg" -C "$reg" import mlflow --tracking-uri "$uri")
commits=$(git -C "$reg" rev-list --count HEAD)
signed_reg=$(registry mlflow-signed signed)
signed=$(seconds "$omgreg" -C "$signed_reg" import mlflow --tracking-uri "$uri")
echo "| MLflow SQLite, $models x $versions | $commits | $unsigned | $signed | $again | reader $reader, MlflowClient $client |"

python3 benches/gto_big.py "$work/gto" "$models" "$versions" >/dev/null
# GTO reads its own registry slowly at this size: OMGREG_BENCH_GTO_SHOW=0 skips it.
show=skipped
if [ "${OMGREG_BENCH_GTO_SHOW:-1}" != 0 ]; then
  show=$(cd "$work/gto" && seconds timeout 3600 "$venv/bin/gto" show --json)
fi
reg=$(registry gto)
unsigned=$(seconds "$omgreg" -C "$reg" import gto "$work/gto" --stage-map prod=Production)
again=$(seconds "$omgreg" -C "$reg" import gto "$work/gto" --stage-map prod=Production)
commits=$(git -C "$reg" rev-list --count HEAD)
signed_reg=$(registry gto-signed signed)
signed=$(seconds "$omgreg" -C "$signed_reg" import gto "$work/gto" --stage-map prod=Production)
echo "| GTO, $models x $versions | $commits | $unsigned | $signed | $again | gto show --json $show |"
echo "load: $(cut -d' ' -f1 /proc/loadavg)"
