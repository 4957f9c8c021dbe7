#!/usr/bin/env bash
# Tests examples/ci/gate.sh against commits of this repository, made in a temporary clone:
#   (i)   HEAD -> HEAD with a harmless change (a line added to README.md): the gate passes, exit 0;
#   (ii)  HEAD -> HEAD with greedy_edd holding routes back until full even when a stop would be
#         late (policies/src/greedy.rs): exit 1. The scenarios are the same on both sides, only the
#         binaries differ: a workflow running the baseline with the candidate's binary passes
#         the relative rules by construction, and the test checks that too;
#   (iii) a revision that does not exist: exit 2, before building anything.
# Kept short: dev builds sharing one target dir (DTWIN_CI_TARGET_DIR, default
# target/ci-gate-test/target, kept between runs, so a second run rebuilds little), HEAD built once
# for both cases, the regional scenario, 5 replications. .ci/run calls it after the release build.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
gate=$here/examples/ci/gate.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dtwin-test-gate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "test-gate.sh: FAIL: $*" >&2
  exit 1
}

# The commits: a local clone holds every object, so HEAD is there even when detached.
head=$(git -C "$here" rev-parse HEAD)
git clone --quiet --no-checkout "$here" "$tmp/repo"
cd "$tmp/repo"
git checkout --quiet --detach "$head"
git config user.name test-gate
git config user.email test-gate@localhost
echo "A harmless change." >>README.md
git commit --quiet -am "harmless: a line of README.md"
harmless=$(git rev-parse HEAD)
git checkout --quiet --detach "$head"
greedy=policies/src/greedy.rs
old='if full || urgent {'
new='if full || (urgent && false) {'
grep -qF "$old" "$greedy" || fail "$greedy no longer has '$old': update the worse change here"
text=$(cat "$greedy")
printf '%s\n' "${text/"$old"/"$new"}" >"$greedy"
git commit --quiet -am "worse: greedy_edd dispatches a route only when full, never when urgent"
worse=$(git rev-parse HEAD)

export DTWIN_CI_PROFILE=dev DTWIN_CI_REPLICATIONS=5 DTWIN_CI_SCENARIOS=regional
export DTWIN_CI_TARGET_DIR=${DTWIN_CI_TARGET_DIR:-$here/target/ci-gate-test/target}
# Fixed worktree paths: cargo finds its incremental builds of the same crates there again.
export DTWIN_CI_WORK=$here/target/ci-gate-test/work
rm -rf "$DTWIN_CI_WORK/bin" # each run builds its commits (HEAD once, for both cases)
unset DTWIN_CI_SEED DTWIN_CI_POLICY DTWIN_CI_RULES

# want name BASE CAND: gate.sh's exit status must be `want`.
expect() {
  local want=$1 name=$2 got=0
  shift 2
  printf '\n== test-gate: %s: gate.sh %s, expecting exit %s\n' "$name" "$*" "$want"
  "$gate" "$@" "$tmp/out-$name" || got=$?
  [ "$got" = "$want" ] || fail "$name: gate.sh $* exited $got, expected $want"
}
start=$SECONDS

expect 0 harmless "$head" "$harmless"
grep -q '^## dtwin gate: passed' "$tmp/out-harmless/gate.md" || fail "harmless: gate.md does not say passed"
grep -q 'failures="0"' "$tmp/out-harmless/gate.xml" || fail "harmless: gate.xml has failures"

expect 1 worse "$head" "$worse"
relative='regional | on_time_rate at most 0.01 below baseline'
grep -qF "| **FAIL** | $relative" "$tmp/out-worse/gate.md" || fail "worse: the relative on_time_rate rule did not fail"
! cmp -s "$tmp/out-worse/base/regional/replications.csv" "$tmp/out-worse/cand/regional/replications.csv" \
  || fail "worse: base and candidate replications are identical: the candidate's binary was not built from its own source"

# What the old workflow saw: the candidate's binary for the baseline too. The same rule passes.
bin=$DTWIN_CI_WORK/bin/$worse-dev/dtwin
for side in base cand; do
  "$bin" run scenarios/regional.toml -r 5 --seed 1 -q --out "$tmp/out-old/$side/regional" >/dev/null
done
"$bin" gate --rules examples/gate/gate.toml --baseline "$tmp/out-old/base" "$tmp/out-old/cand" \
  --markdown "$tmp/out-old/gate.md" >/dev/null || true
grep -qF "| pass | $relative" "$tmp/out-old/gate.md" || fail "old: the candidate against itself did not pass"

expect 2 missing no-such-revision "$head"

echo "test-gate.sh: ok ($((SECONDS - start)) s)"
