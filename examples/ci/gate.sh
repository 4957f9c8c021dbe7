#!/usr/bin/env bash
# The policy gate of a change: the base revision's dtwin on the base's scenarios, the candidate's
# dtwin on the candidate's, judged by `dtwin gate`. CI runs it (examples/ci/policy-gate.yml), and
# so can anyone, from a clone:
#
#   examples/ci/gate.sh [OPTIONS] BASE_REV CAND_REV [OUT]         e.g.  gate.sh origin/main HEAD
#
#   BASE_REV -> worktree -> cargo build (own target dir) -> dtwin run scenarios/S.toml -> OUT/base/S --+
#   CAND_REV -> worktree -> cargo build (own target dir) -> dtwin run scenarios/S.toml -> OUT/cand/S --+-> dtwin gate
#
# Each side is built from its own source, so a change to the Rust policy code shows (a baseline run
# with the candidate's binary compares the change with itself and passes whatever it does). Both
# sides run the same seed and number of replications: common random numbers, paired. The rules and
# the judge (`dtwin gate`) are the base revision's, so a change cannot loosen the check it is judged
# by; a change to them takes effect once merged.
#
# Options (each also an environment variable):
#   --profile P       cargo profile to build with: release, or dev (faster to build,
#                     slower to run)                                  DTWIN_CI_PROFILE [release]
#   -r N              replications                                    DTWIN_CI_REPLICATIONS [30]
#   --seed S          master seed                                     DTWIN_CI_SEED [1]
#   --scenarios "A B" scenarios/A.toml ... of each revision           DTWIN_CI_SCENARIOS [regional regional-storm]
#   --policy FILE     a policy file (its path in each revision) for both sides instead of the
#                     scenarios' [policy]                             DTWIN_CI_POLICY
#   --rules FILE      rules                                           DTWIN_CI_RULES [the base's examples/gate/gate.toml]
#   --target-dir DIR  one cargo target dir for both builds (each binary is copied out after its
#                     build)                                          DTWIN_CI_TARGET_DIR [WORK/target-base, WORK/target-cand]
#   DTWIN_CI_WORK     folder for the worktrees (WORK/base, WORK/cand), target dirs and binaries
#                     (WORK/bin/COMMIT-PROFILE/dtwin) [a temporary folder, removed at the end]. A
#                     fixed one keeps the binaries, so a commit is built once, and lets cargo
#                     reuse its builds.
# OUT (default out/gate) receives base/S and cand/S (`dtwin run --out` folders; base/S.txt and
# cand/S.txt their KPI tables), gate.xml (JUnit), gate.md (Markdown) and revisions (the commits).
#
# Exit status: dtwin gate's. 0 every rule holds, 1 a rule fails, 2 nothing to judge: a revision
# that does not resolve, build or run, bad rules, unpaired results.
set -euo pipefail

die() {
  echo "gate.sh: $*" >&2
  exit 2
}

profile=${DTWIN_CI_PROFILE:-release}
reps=${DTWIN_CI_REPLICATIONS:-30}
seed=${DTWIN_CI_SEED:-1}
scenarios=${DTWIN_CI_SCENARIOS:-regional regional-storm}
policy=${DTWIN_CI_POLICY:-}
rules=${DTWIN_CI_RULES:-}
target_dir=${DTWIN_CI_TARGET_DIR:-}
work=${DTWIN_CI_WORK:-}

positional=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    --profile | -r | --replications | --seed | --scenarios | --policy | --rules | --target-dir)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --profile) profile=$2 ;;
        -r | --replications) reps=$2 ;;
        --seed) seed=$2 ;;
        --scenarios) scenarios=$2 ;;
        --policy) policy=$2 ;;
        --rules) rules=$2 ;;
        --target-dir) target_dir=$2 ;;
      esac
      shift 2
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      positional+=("$1")
      shift
      ;;
  esac
done
[ ${#positional[@]} -ge 2 ] && [ ${#positional[@]} -le 3 ] || die "usage: gate.sh [OPTIONS] BASE_REV CAND_REV [OUT] (see --help)"
base_rev=${positional[0]}
cand_rev=${positional[1]}
out=${positional[2]:-out/gate}
[ -n "$scenarios" ] || die "no scenarios"

absolute() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac }
[ -z "$rules" ] || rules=$(absolute "$rules")
[ -z "$target_dir" ] || target_dir=$(absolute "$target_dir")
mkdir -p "$out" && out=$(cd "$out" && pwd)
# Nothing of an earlier run is left to be taken for this one's (CI uploads what is there).
rm -rf "${out:?}/base" "$out/cand" "$out/gate.xml" "$out/gate.md"
repo=$(git rev-parse --show-toplevel 2>/dev/null) || die "not in a git repository: $PWD"
base=$(git -C "$repo" rev-parse --verify --quiet "$base_rev^{commit}") || die "$base_rev: no such revision"
cand=$(git -C "$repo" rev-parse --verify --quiet "$cand_rev^{commit}") || die "$cand_rev: no such revision"

if [ -n "$work" ]; then
  mkdir -p "$work" && work=$(cd "$work" && pwd)
  own_work=
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/dtwin-gate.XXXXXX")
  own_work=1
fi

# Remove the worktree at $1, whichever repository it belongs to (a fixed WORK outlives clones).
unplant() {
  git -C "$repo" worktree remove --force "$1" >/dev/null 2>&1 || rm -rf "$1"
  git -C "$repo" worktree prune
}
cleanup() {
  unplant "$work/base" || true
  unplant "$work/cand" || true
  [ -z "$own_work" ] || rm -rf "$work"
}
trap cleanup EXIT

# side rev commit: check out; build, unless a fixed WORK holds this commit's binary already.
build() {
  local side=$1 rev=$2 commit=$3 dir=$work/$1 td=${target_dir:-$work/target-$1} sub
  local bin=$work/bin/$commit-$profile/dtwin
  case $profile in dev | test) sub=debug ;; bench) sub=release ;; *) sub=$profile ;; esac
  unplant "$dir"
  git -C "$repo" worktree add --quiet --detach "$dir" "$commit" || die "$side: cannot check out $rev"
  printf -v "bin_$side" '%s' "$bin"
  if [ -x "$bin" ]; then
    echo "== build $side: $rev (${commit:0:12}), profile $profile: built before, $bin"
    return
  fi
  echo "== build $side: $rev (${commit:0:12}), profile $profile"
  (cd "$dir" && CARGO_TARGET_DIR=$td cargo build --locked --profile "$profile" -p dtwin --bin dtwin) \
    || die "$side: $rev does not build"
  # Copied out at once: with one target dir for both sides, the next build replaces it there.
  mkdir -p "${bin%/*}"
  cp "$td/$sub/dtwin" "$bin.partial"
  mv "$bin.partial" "$bin"
}

# side rev: its scenarios with its binary, into OUT/side/S.
runs() {
  local side=$1 rev=$2 dir=$work/$1 s bin
  local popt=()
  bin=bin_$side
  bin=${!bin}
  [ -z "$policy" ] || popt=(--policy "$policy")
  mkdir -p "$out/$side"
  for s in $scenarios; do
    [ -f "$dir/scenarios/$s.toml" ] || die "$side: $rev has no scenarios/$s.toml"
    echo "== $side: $s, $reps replications, seed $seed${policy:+, policy $policy}"
    (cd "$dir" && "$bin" run "scenarios/$s.toml" -r "$reps" --seed "$seed" -q \
      --out "$out/$side/$s" "${popt[@]}" >"$out/$side/$s.txt") || die "$side: dtwin run scenarios/$s.toml failed"
    grep -E '^(on_time_rate|cost_total_per_order) ' "$out/$side/$s.txt" || true
  done
}

printf 'base %s %s\ncand %s %s\n' "$base_rev" "$base" "$cand_rev" "$cand" >"$out/revisions"
build base "$base_rev" "$base"
build cand "$cand_rev" "$cand"
runs base "$base_rev"
runs cand "$cand_rev"

rules=${rules:-$work/base/examples/gate/gate.toml}
[ -f "$rules" ] || die "no rules file: $rules"
echo "== gate: $rules"
code=0
"$bin_base" gate --rules "$rules" --baseline "$out/base" "$out/cand" \
  --junit "$out/gate.xml" --markdown "$out/gate.md" || code=$?
case $code in 0 | 1 | 2) ;; *) code=2 ;; esac
echo "gate.sh: $base_rev (${base:0:12}) -> $cand_rev (${cand:0:12}): exit $code"
exit "$code"
