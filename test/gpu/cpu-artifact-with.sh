#!/usr/bin/env bash
# Builds a CPU artifact (OUT.json, OUT.so) of GRAPH whose tensor-level IR
# (after --ttt-to-linalg) first goes through PASSES, then the CPU lowering
# as ttt-compile does it: a check on the CPU, against the float64
# reference, of a GPU pass's rewrite of the chunk loops (for example
# ttt-gpu-rotate-output-chain), without a GPU.
#
# ttt-compile, ttt-opt and ttt-translate come from PATH, opt and llc from
# LLVM_TOOLS_DIR (default /usr/lib/llvm-22/bin).
#
# usage: cpu-artifact-with.sh GRAPH OUT PASSES
#        PASSES: a pass pipeline on the module, e.g.
#        'func.func(ttt-gpu-rotate-output-chain)'
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 GRAPH OUT PASSES" >&2; exit 2; }
graph=$1 out=$2 passes=$3
llvm_bin=${LLVM_TOOLS_DIR:-/usr/lib/llvm-22/bin}
ttt-compile "$graph" -o "$out.base" > /dev/null
ttt-opt "$graph" --pass-pipeline="builtin.module(ttt-to-linalg,$passes)" \
  -o "$out.tensors.mlir"
ttt-opt "$out.tensors.mlir" --ttt-to-llvm-cpu -o "$out.llvm.mlir"
ttt-translate --mlir-to-llvmir "$out.llvm.mlir" -o "$out.ll"
"$llvm_bin/opt" -O3 "$out.ll" -o "$out.bc"
"$llvm_bin/llc" -O3 -relocation-model=pic -filetype=obj "$out.bc" -o "$out.o"
"${CC:-cc}" -shared -o "$out.so" "$out.o" -lm
# The manifest of the plain build, naming this library.
base=$(basename "$out.base") name=$(basename "$out")
sed "s/\"$base.so\"/\"$name.so\"/" "$out.base.json" > "$out.json"
grep -q "\"$name.so\"" "$out.json"
