#!/usr/bin/env bash
# Seeds fuzz/corpus/{index_model,app_actions} from the repository's fixtures (run from anywhere).
# JSON Lines fixtures are cut after the last whole line within 48 KiB; whole-document JSON
# exports are taken when they are that small. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(
  { find fixtures -name '*.jsonl'
    find fixtures -name '*.json' ! -name '*.truth.json' ! -name 'package*.json' -size -48k
  } | sort
)
cargo run --quiet --manifest-path fuzz/Cargo.toml --example seed -- fuzz/corpus "${files[@]}"
# listen_request: request bodies as senders write them (OTLP/JSON lines, protobuf records).
mkdir -p fuzz/corpus/listen_request
for f in fixtures/otlp/*.jsonl; do head -n 1 "$f" > "fuzz/corpus/listen_request/$(basename "$f").line1"; done
head -c 20000 fixtures/collector/file_proto.bin > fuzz/corpus/listen_request/file_proto.head
