#!/usr/bin/env bash
# Checks that this checkout's sesstui prints byte-for-byte what the build of BASE_REF prints:
# `sessions --json`, `spans` and `doctor --json` (standard output, standard error and the exit
# code) on every file under fixtures/ (every file the tests open from there, truth files and
# the generating scripts included: refusals must match too) and on each extra file named.
#
#   scripts/same-output.sh BASE_REF [EXTRA_FILE ...]
#
# BASE_REF is built in release from a `git archive` of that ref into its own target dir
# ($SAME_OUTPUT_BASE_TARGET, default target/same-output-base); this checkout builds into
# $CARGO_TARGET_DIR (default target). Give the index bench's files as extras, e.g.
#   scripts/same-output.sh main target/bench-data/phoenix_{dense,v2,sparse}_1024mb.jsonl
# Exit 0 when every output is identical, 1 with the differing cases listed.
set -euo pipefail
base_ref=${1:?usage: scripts/same-output.sh BASE_REF [EXTRA_FILE ...]}
shift
root=$(git rev-parse --show-toplevel)
cd "$root"
base_target=${SAME_OUTPUT_BASE_TARGET:-$root/target/same-output-base}
here_target=${CARGO_TARGET_DIR:-$root/target}
base_commit=$(git rev-parse --verify "$base_ref^{commit}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src="$work/src"
mkdir -p "$src"
# -m: the files get the time of extraction, not of the commit, so cargo never takes an older
# build of another ref in the same target dir for this one's (its fingerprints go by mtime).
git archive "$base_commit" | tar -x -m -C "$src"
echo "building $base_ref ($base_commit) into $base_target" >&2
(cd "$src" && CARGO_TARGET_DIR="$base_target" cargo build --release --quiet --bin sesstui)
echo "building this checkout into $here_target" >&2
CARGO_TARGET_DIR="$here_target" cargo build --release --quiet --bin sesstui
base_bin="$base_target/release/sesstui"
here_bin="$here_target/release/sesstui"

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find fixtures -type f -print0 | sort -z)
files+=("$@")

failed=0
checked=0
for f in "${files[@]}"; do
    for cmd in "sessions --json" "spans" "doctor --json"; do
        # shellcheck disable=SC2086
        for side in base here; do
            bin=${side}_bin
            set +e
            TZ=UTC "${!bin}" $cmd "$f" >"$work/$side.out" 2>"$work/$side.err"
            echo "exit $?" >>"$work/$side.err"
            set -e
        done
        checked=$((checked + 1))
        if ! cmp -s "$work/base.out" "$work/here.out" || ! cmp -s "$work/base.err" "$work/here.err"; then
            echo "DIFFERS: sesstui $cmd $f" >&2
            diff <(head -c 2000 "$work/base.out") <(head -c 2000 "$work/here.out") | head -5 >&2 || true
            diff "$work/base.err" "$work/here.err" | head -5 >&2 || true
            failed=$((failed + 1))
        fi
    done
done
echo "$checked outputs compared ($((${#files[@]})) files x 3 commands): $failed differ"
[ "$failed" -eq 0 ]
