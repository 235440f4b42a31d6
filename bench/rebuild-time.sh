#!/bin/bash
# What the layout saves a developer (README, "Layout"): for the single-crate commit
# 72b3b3c and for HEAD, a fresh clone's `cargo test --release --no-run`, then the same
# after a one-line edit to the search worker, then the whole suite run on that build
# (`cargo test --release`, its exit status printed beside its time). Run it on an
# otherwise idle machine:
#   bash bench/rebuild-time.sh
set -eu
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
measure() { # name commit file
    local dir=$work/$1
    git clone -q "$repo" "$dir"
    (cd "$dir" && git checkout -q "$2"
     echo "$1: fresh clone to the built tests: $(seconds cargo test --release --no-run) s"
     sed -i 's/const QUIET_STEPS: usize = 8;/const QUIET_STEPS: usize = 9;/' "$3"
     grep -q "QUIET_STEPS: usize = 9" "$3"
     echo "$1: rebuild after a one-line edit to $3: $(seconds cargo test --release --no-run) s"
     local s e rc=0
     s=$(date +%s.%N); cargo test --release >/dev/null 2>&1 || rc=$?; e=$(date +%s.%N)
     echo "$1: the suite run on that build: $(echo "$e - $s" | bc) s (exit status $rc)")
    rm -rf "$dir"
}
measure before 72b3b3c src/engine/search/worker.rs
measure after HEAD crates/aen-engine/src/search/worker/mod.rs
