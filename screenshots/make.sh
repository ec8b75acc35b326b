#!/usr/bin/env bash
# Regenerates the README's screenshots from a real run of the release binary in tmux:
# each view is captured with its colours (`capture-pane -e`) and turned into SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/sesstui
sock=sesstui-shots-$$
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT
t -f /dev/null new-session -d -s s -x 132 -y 34 sh
t set -g status off
t send-keys -t s "cd $PWD && TERM=xterm-256color $bin fixtures/phoenix/spans_df_epoch_ms.jsonl" Enter
wait_for() { for _ in $(seq 100); do t capture-pane -p -t s | grep -q "$1" && return; sleep 0.1; done; echo "timeout: $1" >&2; exit 1; }
shot() { sleep 0.3; t capture-pane -e -p -t s > "screenshots/$1.ansi"; python3 screenshots/ansi2svg.py "screenshots/$1.ansi" "screenshots/$1.svg" "$2"; rm "screenshots/$1.ansi"; }
key() { t send-keys -t s "$1"; sleep 0.15; }
wait_for "FIRST INPUT"
key j
shot sessions "sesstui fixtures/phoenix/spans_df_epoch_ms.jsonl — session list"
key Enter; wait_for "Turn 1"
key j; key j; key j
shot turns "turns of a session (wide layout: the selected call's detail on the right)"
key 2; key +
shot tree "tree view: span trees with timing bars on the session's time axis"
key 1; key j; key j; key j; key 3
shot detail "span detail: chat messages, input/output and the highlighted record"
key q
echo "wrote screenshots/{sessions,turns,tree,detail}.svg"
