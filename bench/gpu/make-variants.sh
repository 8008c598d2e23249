#!/usr/bin/env bash
# Builds artifact folders for bench/gpu/variants.sh: one folder per
# NAME=OPTIONS pair, each holding fla, official and mlp (cuda, cubin)
# compiled with `ttt-compile --target cuda --cubin OPTIONS` (here, where
# LLVM 22 is; the GPU machine only runs them). OPTIONS starting with
# `fast:` compile the fast-mode examples (examples/*_bf16.mlir) instead,
# under the same names.
#
# usage: bench/gpu/make-variants.sh OUT NAME=OPTIONS... (repository root)
# e.g.   bench/gpu/make-variants.sh .device base="--gpu-option row-warps=false" \
#          now="" spread="--gpu-option spread-mma-warps=true" \
#          fast-bf16="fast: --gpu-mma bf16" fast-tf32="fast: --gpu-mma tf32"
set -euo pipefail
out=$1; shift
compile=${TTT_COMPILE:-build/bin/ttt-compile}
for pair in "$@"; do
  name=${pair%%=*}
  opts=${pair#*=}
  suffix=
  case "$opts" in fast:*) suffix=_bf16 opts=${opts#fast:} ;; esac
  mkdir -p "$out/$name"
  for ex in fla official mlp; do
    src=examples/ttt_linear_$ex$suffix.mlir
    [ "$ex" = mlp ] && src=examples/ttt_mlp$suffix.mlir
    # shellcheck disable=SC2086 # OPTIONS are words
    "$compile" "$src" -o "$out/$name/$ex" --target cuda --cubin $opts >/dev/null
  done
  echo "$out/$name: $opts"
done
