#!/usr/bin/env bash
# Gap of the built-in greedy_edd policy (as `dtwin import solomon` configures it: cheapest
# insertion, then 50 rounds of local search) to the published best on every Solomon instance, as
# the Markdown table in docs/solomon.md. Distances under the DIMACS convention (arcs truncated to
# one decimal), as CVRPLIB's best solutions; one run per depot_bonus value, and the best of them.
#   scripts/solomon-gaps.sh [../shared/data/solomon] > table.md
set -euo pipefail
data=${1:-../shared/data/solomon}
bin=./target/release/dtwin
[ -x "$bin" ] || cargo build --release --locked -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bonuses=(0 1 2)
printf '| instance | best (CVRPLIB) | vehicles |'
for b in "${bonuses[@]}"; do printf ' bonus %s: km (gap) |' "$b"; done
printf ' best of them: km, gap, vehicles |\n|---|---|---|'
for _ in "${bonuses[@]}"; do printf -- '---|'; done
printf -- '---|\n'
for file in "$data"/instances/*.txt; do
  name=$(basename "$file" .txt)
  best=$(awk '/^Cost/ {print $2}' "$data/solutions/cvrplib/$name.sol")
  routes=$(grep -c '^Route' "$data/solutions/cvrplib/$name.sol")
  "$bin" import solomon "$file" --out "$work" --convention dimacs --force > /dev/null
  row="| $name | $best | $routes |"
  top=""
  for b in "${bonuses[@]}"; do
    sed "s/^neighbours = \(.*\)/neighbours = \1\ndepot_bonus = $b/" "$work/$name.toml" > "$work/$name.b$b.toml"
    out=$("$bin" run "$work/$name.b$b.toml" --quiet --check)
    km=$(awk '$1=="distance_km" {print $2}' <<< "$out")
    trips=$(awk '$1=="trips" {printf "%d", $2}' <<< "$out")
    late=$(awk '$1=="orders_late" {printf "%d", $2}' <<< "$out")
    gap=$(awk -v a="$km" -v b="$best" 'BEGIN {printf "%.1f", 100 * (a - b) / b}')
    [ "$late" = 0 ] || gap="$gap, $late late"
    row="$row $km ($gap%) |"
    if [ "$late" = 0 ] && { [ -z "$top" ] || awk -v a="$km" -v b="${top%% *}" 'BEGIN {exit !(a < b)}'; }; then
      top="$km $gap $trips"
    fi
  done
  read -r tkm tgap ttrips <<< "${top:-- - -}"
  echo "$row $tkm, $tgap%, $ttrips |"
done
