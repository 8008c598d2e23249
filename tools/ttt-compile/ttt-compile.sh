#!/usr/bin/env bash
# ttt-compile: a TTT graph (.mlir) -> CPU artifact (NAME.json manifest +
# NAME.so) or cuda artifact (NAME.json + NAME.ptx / NAME.cubin) for the
# runtime (docs/RUNTIME.md). Drives ttt-opt, ttt-translate and LLVM's
# opt/llc (cpu) or ptxas (cuda --cubin); every step's failure stops it with
# a message.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: ttt-compile GRAPH.mlir -o OUT [options]
       ttt-compile --config MODEL.json -o OUT [--set KEY=VALUE]... [options]

Compiles the graph's entry function (the one holding a ttt.scan) ahead of
time and writes OUT.json (manifest) and OUT.so (kernels); with --target
cuda, OUT.json and OUT.ptx (PTX 8.0 for sm_90, or --gpu-chip), plus OUT.cubin
with --cubin.

With --config, writes the graph of a whole TTT language model for that
configuration (ttt-model-gen; keys and defaults in docs/MODEL.md, e.g.
examples/models/ttt-125m.json) and compiles it to a model artifact
(OUT.json, OUT.so). With --target cuda the library is host code that
launches one GPU kernel per operation (docs/MODEL.md, "GPU models"),
kernels embedded as PTX, or as sm_90 cubin with --cubin.

options:
  -o OUT              output path without extension (required)
  --target cpu|cuda   artifact target (default: cpu)
  --cubin             cuda: also assemble OUT.cubin with ptxas and name it
                      in the manifest (default: the manifest names OUT.ptx)
  --gpu-threads N|auto
                      cuda: threads per block, one block per chain
                      (default auto: 512 where the block's shared memory at
                      512 threads is at most 128 KiB or with fast weights
                      in global memory (--gpu-state), else 128; on an
                      H200, TTT-Linear 0.47 ms at 512 vs 0.56 at 256,
                      TTT-MLP 2.83 ms at 512 vs 2.96 at 256)
  --gpu-mma MODE      cuda: contractions on the tensor cores: auto
                      (default: 3xtf32, or tf32 for a fast-mode graph with
                      bf16 sequences), 3xtf32 (fp32 accuracy), tf32
                      (faster, ~1e-3 relative), bf16 (operands rounded to
                      bf16; on an H200 slower than tf32: 0.54 against 0.48
                      ms) or none (no tensor cores)
  --gpu-chip CHIP     cuda: the GPU the PTX is for: sm_90 (default), or a
                      portable lower target: sm_80 (A100; its PTX the
                      driver also compiles for newer GPUs), sm_86, sm_87,
                      sm_89; sets the shared memory a block may take
                      (sm_90 227 KiB, sm_80/87 163 KiB, sm_86/89 99 KiB);
                      with --cubin, a cubin for that chip only
  --gpu-prefetch auto|on|off
                      cuda: copy each mini-batch's q/k/v/eta into shared
                      memory with cp.async while the previous one computes;
                      auto (default): on unless the block would then need
                      more than 227 KiB of shared memory
  --gpu-state auto|shared|results
                      cuda: fast weights in shared memory or, for 32 KB and
                      more, in their result arrays (global memory); auto
                      (default): shared unless that leaves no room for the
                      input prefetch, then the fewest in their result
                      arrays that do (TTT-MLP: W1 in global memory, W2 in
                      shared)
  --gpu-schedule auto|on|off
                      cuda: order each mini-batch's ops by dependence level
                      so that independent ones share barriers; auto
                      (default): on unless shared memory would not fit
  --gpu-output-warps N|auto
                      cuda: warps (of --gpu-threads) that run each
                      mini-batch's output chain beside the weight update's
                      (named barriers between); auto (default): 8 where the
                      weights are in shared memory at 512 threads and the
                      contractions on tensor cores (H200, TTT-Linear fla:
                      0.377 against 0.476 ms at 1 x 2048, fast mode 0.355
                      against 0.397), else 0 (TTT-MLP: 3.40 against 2.83)
  --gpu-register-weights auto|on|update|off
                      cuda: keep the fast weights that the weight update
                      writes and K W reads in registers (both products
                      transposed; ttt-gpu-distribute register-weights);
                      update: only the update uses them (K W reads
                      memory); auto (default), as measured on an H200: on
                      with one tf32 product per tile (the fast mode:
                      TTT-Linear 0.324 -> 0.309 ms at 1 x 2048, TTT-MLP
                      2.22 -> 1.69), update where weights live in their
                      result arrays (fp32 TTT-MLP's W1: 2.81 -> 2.47 ms;
                      `on` is faster, 2.41, but spills registers), else
                      off (fp32 TTT-Linear: 0.335 with it off, 0.365 on,
                      0.378 update)
  --gpu-cluster auto|on|off
                      cuda: the chain's warp groups on blocks of their own,
                      a cluster of SMs per chain (sm_90; ttt-gpu-distribute
                      cluster-groups; 256 threads a block, no register
                      weights unless given). Fast mode: two blocks (the
                      recurrence, the output chain), the bf16 inputs'
                      conversions fused into their readers, row statistics
                      as ops, ops beside the tensor-core tiles
                      (off-mma-warps). fp32: four blocks (the recurrence
                      with the lookahead correction, the output chain, the
                      weight work split by W's rows over two blocks:
                      split-weights, the narrow products split by k over
                      idle warps: split-narrow-contractions; 3.48 against
                      4.06 ms with two blocks at 1 x 32768; two blocks:
                      two k-steps a loop iteration, mma-k-unroll=2),
                      channels into the reader's buffer
                      (direct-channels). Both: each block's code as one
                      run (group-sections: 3.12 against 3.17 fast). The
                      user's --gpu-option wins (split-weights=false,
                      weight-warps, lookahead-products or channel-slots
                      give fp32 two blocks).
                      on: that kernel alone; auto (default): on sm_90
                      (fp32 and fast), that kernel too
                      (OUT.cluster.ptx, the manifest's launch.cluster),
                      which the runtime launches where the chains' blocks
                      fit the device at once, and for fp32 the two-block
                      kernel as well (OUT.cluster2.ptx) for batches whose
                      chains x 4 blocks do not fit but x 2 do (H = 12 on
                      an H200: B = 3..5); off. On an H200 (round 24)
                      the fast mode's 1 x 2048 / 8192 / 32768 take 0.203 /
                      0.787 / 3.12 ms, fp32 0.228 / 0.879 / 3.48; 8 x 8192
                      runs the one-block kernels (more blocks than SMs
                      otherwise): fast 1.05, fp32 1.29 ms
  --gpu-row-pad N     cuda: elements added to the 64-float rows of shared
                      temporaries against bank conflicts (default: 8)
  --gpu-short-pointers on|off
                      cuda: 32-bit pointers into shared (and local, const)
                      memory in the PTX (LLVM's -nvptx-short-ptr): 30% fewer
                      64-bit integer ops in the fp32 cluster kernel's PTX,
                      1% less SASS; default off (not yet timed)
  --gpu-option K=V    cuda: pass an option to ttt-opt's --ttt-to-nvvm pipeline
                      (repeatable; e.g. inline-row-stats=false; see
                      ttt-opt --help; with --gpu-cluster auto, for both
                      kernels)
  --config FILE       a model configuration (JSON) instead of GRAPH.mlir
  --set KEY=VALUE     with --config: override one configuration key
  --entry NAME        entry function, when several hold a ttt.scan
  --mcpu CPU          target CPU for llc/opt (default: native)
  --triple TRIPLE     target triple (default: the host's, from $CC -dumpmachine)
  --keep-temps        keep OUT.llvm.mlir and OUT.ll next to the artifact
  -h, --help          this text
environment:
  LLVM_TOOLS_DIR      where opt and llc live (default /usr/lib/llvm-22/bin)
  PTXAS               ptxas for --cubin (default: ptxas on PATH, else
                      /usr/local/cuda/bin/ptxas)
  CUDA_HOME           CUDA toolkit for libdevice (default /usr/local/cuda);
                      without one the layer PTX uses portable sqrt/tanh
  CC                  linker driver for the shared library (default cc)
USAGE
}

die() { echo "ttt-compile: error: $*" >&2; exit 1; }
# Whether the user's --gpu-option settings split the step over warp groups
# or blocks themselves: then ttt-compile's own split stands back.
user_splits() {
  case "$gpuopts" in
    *split-weights=*|*weight-warps=*|*tail-warps=*|*lookahead-products=*|*register-weights=*) return 0 ;;
  esac
  return 1
}

HERE=$(cd "$(dirname "$0")" && pwd)
LLVM_BIN=${LLVM_TOOLS_DIR:-/usr/lib/llvm-22/bin}
CC=${CC:-cc}
input="" out="" entry="" mcpu=native keep=0 triple="" target=cpu cubin=0
config="" sets=()
threads=auto mma=auto prefetch=auto chip=sm_90 rowpad=8 schedule=auto state=auto gpuopts=""
outwarps=auto regweights=auto cluster=auto shortptr=off
statemax=-1
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=${2:-}; shift 2 ;;
    --entry) entry=${2:-}; shift 2 ;;
    --mcpu) mcpu=${2:-}; shift 2 ;;
    --triple) triple=${2:-}; shift 2 ;;
    --keep-temps) keep=1; shift ;;
    --target) target=${2:-}; shift 2 ;;
    --cubin) cubin=1; shift ;;
    --gpu-threads) threads=${2:-}; shift 2 ;;
    --gpu-mma) mma=${2:-}; shift 2 ;;
    --gpu-chip) chip=${2:-}; shift 2 ;;
    --gpu-prefetch) prefetch=${2:-}; shift 2 ;;
    --gpu-row-pad) rowpad=${2:-}; shift 2 ;;
    --gpu-output-warps) outwarps=${2:-}; shift 2 ;;
    --gpu-register-weights) regweights=${2:-}; shift 2 ;;
    --gpu-cluster) cluster=${2:-}; shift 2 ;;
    --gpu-short-pointers) shortptr=${2:-}; shift 2 ;;
    --gpu-schedule) schedule=${2:-}; shift 2 ;;
    --gpu-state) state=${2:-}; shift 2 ;;
    --gpu-option)
      case "${2:-}" in
        # The manifest records these: only their own flags keep it in step.
        threads=*) die "--gpu-option threads: use --gpu-threads (the artifact's launch records it)" ;;
        chip=*) die "--gpu-option chip: use --gpu-chip (the artifact's launch records it)" ;;
        cluster-groups=*) die "--gpu-option cluster-groups: use --gpu-cluster (the artifact's launch records it)" ;;
        *=*) gpuopts="$gpuopts ${2}" ;;
        *) die "--gpu-option needs KEY=VALUE" ;;
      esac
      shift 2 ;;
    --config) config=${2:-}; shift 2 ;;
    --set) sets+=(--set "${2:-}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [ -z "$input" ] || die "more than one input graph"; input=$1; shift ;;
  esac
done
if [ -n "$config" ]; then
  [ -z "$input" ] || die "give either a graph or --config, not both"
else
  [ "${#sets[@]}" = 0 ] || die "--set needs --config"
  [ -n "$input" ] || { usage >&2; die "no input graph"; }
fi
[ -n "$out" ] || die "no output given (-o OUT)"
[ -n "$config" ] || [ -r "$input" ] || die "cannot read '$input'"
case "$target" in cpu|cuda) ;; *) die "unknown target '$target' (cpu or cuda)" ;; esac
[ "$cubin" = 0 ] || [ "$target" = cuda ] || die "--cubin needs --target cuda"
if [ "$threads" != auto ]; then
  case "$threads" in ''|*[!0-9]*) die "--gpu-threads needs auto or a number in [1, 1024]" ;; esac
  [ "$threads" -ge 1 ] && [ "$threads" -le 1024 ] ||
    die "--gpu-threads needs auto or a number in [1, 1024]"
fi
case "$mma" in auto|none|tf32|3xtf32|bf16) ;; *) die "--gpu-mma needs auto, none, tf32, 3xtf32 or bf16" ;; esac
# Shared memory per block each chip gives (CUDA's per-block opt-in maximum).
case "$chip" in
  sm_90|sm_90a) max_shared=232448 ;;
  sm_80|sm_87) max_shared=166912 ;;
  sm_86|sm_89) max_shared=101376 ;;
  *) die "--gpu-chip needs sm_80, sm_86, sm_87, sm_89 or sm_90 (not '$chip')" ;;
esac
case "$rowpad" in ''|*[!0-9]*) die "--gpu-row-pad needs a number of elements (0 or more)" ;; esac
case "$shortptr" in on|off) ;; *) die "--gpu-short-pointers needs on or off" ;; esac
case "$outwarps" in auto) ;; ''|*[!0-9]*) die "--gpu-output-warps needs auto or a number of warps" ;; esac
case "$regweights" in auto|on|update|off) ;; *) die "--gpu-register-weights needs auto, on, update or off" ;; esac
case "$cluster" in
  off|auto) ;;
  on)
    # H200, fast mode: 0.280 ms at 1 x 2048 without, 0.304 with them.
    [ "$regweights" != auto ] || regweights=off
    [ "$threads" != auto ] || threads=256
    [ "$outwarps" != auto ] || outwarps=2
    # H200, fast mode: conversions fused 0.264 ms at 1 x 2048, 0.280 not
    # (the one-block kernel would spill at 512 threads: not there).
    gpuopts=" cluster-groups=true fuse-conversions=true$gpuopts" ;;
  *) die "--gpu-cluster needs auto, on or off" ;;
esac
case "$prefetch" in auto|on|off) ;; *) die "--gpu-prefetch needs auto, on or off" ;; esac
case "$schedule" in auto|on|off) ;; *) die "--gpu-schedule needs auto, on or off" ;; esac
case "$state" in auto|shared|results) ;; *) die "--gpu-state needs auto, shared or results" ;; esac

if [ -n "$config" ] && [ "$target" = cuda ]; then
  for t in "$HERE/ttt-opt" "$HERE/ttt-translate" "$HERE/ttt-model-gen" "$LLVM_BIN/llc"; do
    [ -x "$t" ] || die "missing tool $t"
  done
  shim="$HERE/../runtime/libttt_gpu_shim.a"
  [ -r "$shim" ] || die "missing $shim (build the runtime's ttt_gpu_shim)"
  # MLIR's NVVM target links the kernels' math against the toolkit's
  # libdevice, looked up under /usr/local/cuda.
  [ -d /usr/local/cuda/nvvm/libdevice ] ||
    die "--config --target cuda needs the CUDA toolkit's libdevice (/usr/local/cuda/nvvm/libdevice)"
  if [ "$cubin" = 1 ]; then
    ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
    [ -x "$ptxas" ] || die "--cubin needs ptxas (not found: set PTXAS)"
    export PATH="$(dirname "$ptxas"):$PATH"
  fi
  [ -n "$triple" ] || triple=$("$CC" -dumpmachine) || die "cannot ask $CC for the host triple"
  name=$(basename "$out")
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$HERE/ttt-model-gen" "$config" "${sets[@]}" -o "$tmp/model.mlir" \
    --manifest "$tmp/manifest.json" --library "$name.so" --target cuda ||
    die "cannot write the graph of '$config'"
  cubin_flag=false
  [ "$cubin" = 0 ] || cubin_flag=true
  "$HERE/ttt-opt" "$tmp/model.mlir" \
    --ttt-model-to-gpu="threads=${threads/auto/128} cubin=$cubin_flag" \
    -o "$tmp/model.llvm.mlir" || die "lowering the model to the GPU failed"
  "$HERE/ttt-translate" --mlir-to-llvmir "$tmp/model.llvm.mlir" -o "$tmp/model.ll" ||
    die "translation to LLVM IR failed"
  "$LLVM_BIN/llc" -O2 -mtriple="$triple" -relocation-model=pic -filetype=obj \
    "$tmp/model.ll" -o "$tmp/model.o" || die "code generation failed"
  "${CXX:-c++}" -shared -o "$tmp/model.so" "$tmp/model.o" "$shim" -ldl ||
    die "linking failed"
  mkdir -p "$(dirname "$out")"
  mv "$tmp/model.so" "$out.so"
  mv "$tmp/manifest.json" "$out.json"
  [ "$keep" = 0 ] || mv "$tmp/model.mlir" "$out.mlir"
  echo "ttt-compile: wrote $out.json and $out.so"
  exit 0
fi
if [ "$target" = cuda ]; then
  for t in "$HERE/ttt-opt" "$HERE/ttt-translate"; do
    [ -x "$t" ] || die "missing tool $t"
  done
  ptxas=""
  if [ "$cubin" = 1 ]; then
    ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
    [ -x "$ptxas" ] || die "--cubin needs ptxas (not found: set PTXAS)"
  fi
  name=$(basename "$out")
  module="$name.ptx"
  [ "$cubin" = 0 ] || module="$name.cubin"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  entry_flag=()
  [ -z "$entry" ] || entry_flag=(--ttt-manifest-entry="$entry")
  # The fast mode (bf16 sequences; checked to 1e-2) needs no fp32-exact
  # products: one tf32 product each (H200, fla 1 x 2048: 0.48 ms, against
  # 0.54 with bf16 operands).
  "$HERE/ttt-translate" --ttt-manifest --ttt-manifest-target=cuda \
    "${entry_flag[@]}" "$input" -o "$tmp/probe.json" ||
    die "cannot describe the entry of '$input'"
  bf16io=false
  ! grep -q '"dtype": "bf16"' "$tmp/probe.json" || bf16io=true
  if [ "$mma" = auto ]; then
    mma=3xtf32
    [ "$bf16io" = false ] || mma=tf32
  fi
  # The fast mode's two-block kernel: the row statistics as ops of their
  # own (H200, fla 1 x 32768: 3.464 against 3.557 ms inlined; fp32 the
  # other way, 4.418 against 4.397). Before the user's options: theirs win.
  # Its ops run point by point or by rows beside the phase's tensor-core
  # tiles on the warps those leave (off-mma-warps: 3.179 against 3.257
  # ms at 1 x 32768; fp32 unchanged).
  if [ "$cluster" = on ] && [ "$bf16io" = true ]; then
    gpuopts=" inline-row-stats=false off-mma-warps=true$gpuopts"
  fi
  # The fp32 two-block kernel: two k-steps per iteration of a tile's k
  # loop, their operand loads first (H200, fla: 4.144 against 4.178 ms at
  # 1 x 32768, 1.042 against 1.050 at 1 x 8192; the fast mode gains
  # nothing), and channels straight into the reader's buffer (4.028
  # against 4.035, 0.2591 against 0.2614 at 1 x 2048, three runs alike;
  # the fast mode's within noise either way; not with the user's
  # channel-slots, which staging areas need).
  # With direct channels, the weight work on two blocks of its own, split
  # by W's rows (lookahead-products: the recurrence keeps the LayerNorm
  # chain and the correction; split-weights: four blocks a chain), each
  # block's code one run (group-sections): 3.53 against 4.06 ms at
  # 1 x 32768, 0.231 against 0.261 at 1 x 2048 (H200, round 23).
  if [ "$cluster" = on ] && [ "$mma" = 3xtf32 ]; then
    direct=" direct-channels=true"
    case "$gpuopts" in *channel-slots=*) direct= ;; esac
    split=
    [ -z "$direct" ] ||
      split=" weight-warps=2 lean-weights=true lookahead-products=true rotate-weight-update=true fold-next-init=true split-weights=true split-narrow-contractions=true"
    # The user's own split of the step wins.
    ! user_splits || split=
    # On four blocks, the coefficients C and Q K^T (two tiles each) split
    # by k over their blocks' idle warps (H200, round 24: 3.488 against
    # 3.495 ms at 1 x 32768, 0.8804 against 0.883 at 1 x 8192; the fast
    # two-block kernel is slower with it, 3.24 against 3.12).
    # Two k-steps an iteration help the two-block kernel only (four
    # blocks: 3.514 against 3.533-3.542 ms at 1 x 32768 with one, three
    # runs on two machines).
    unroll=" mma-k-unroll=2"
    [ -z "$split" ] || unroll=" mma-k-unroll=1"
    gpuopts="$unroll$direct$split$gpuopts"
  fi
  # Each block's (one block: each warp group's) ops of a chunk loop as one
  # run of code: fewer instruction-cache lines a step (H200, round 23: fast
  # 3.122 against 3.166 ms at 1 x 32768, fp32 two blocks 4.023 against
  # 4.059, four blocks 3.761 against 4.039).
  # The fast one-block kernel too (8 x 8192: 1.043 against 1.094 ms; the
  # fp32 one is slower with it, 1.319 against 1.284).
  if [ "$cluster" = on ] || [ "$bf16io" = true ]; then
    gpuopts=" group-sections=true$gpuopts"
  fi
  # libdevice where a toolkit is (faster rsqrt/tanh), else PTX that needs
  # none (ttt-gpu-portable-math).
  libdevice=false
  if [ -d "${CUDA_HOME:-/usr/local/cuda}/nvvm/libdevice" ]; then
    export CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
    libdevice=true
  fi
  lower() { # stage-inputs schedule-levels
    ow=$outwarps
    if [ "$ow" = auto ]; then
      ow=0
      [ "$mma" = none ] || [ "$instate" != false ] || [ "$threads" != 512 ] || ow=8
    fi
    rw=false rwproducts=true
    case "$regweights" in
      on) rw=true ;;
      update) rw=true rwproducts=false ;;
      auto)
        if [ "$mma" = tf32 ]; then rw=true
        elif [ "$instate" = true ]; then rw=true rwproducts=false
        fi ;;
    esac
    # The LayerNorm's scale and shift in shared memory (H200, 1 x 2048:
    # fla fast two-block 0.264 -> 0.240 ms, fp32 0.335 -> 0.327), but not
    # with weights in result arrays (TTT-MLP: 2.459 -> 2.517, spills).
    si=true
    [ "$instate" = false ] || si=false
    "$HERE/ttt-opt" "$input" --ttt-to-nvvm="threads=$threads mma=$mma libdevice=$libdevice stage-inputs=$1 schedule-levels=$2 state-in-results=$instate state-in-results-max=$statemax row-pad=$rowpad chip=$chip max-shared-bytes=$max_shared output-warps=$ow register-weights=$rw register-weight-products=$rwproducts stage-invariants=$si$gpuopts" \
      -o "$tmp/model.nvvm.mlir" || die "lowering '$input' to NVVM failed"
    # The launch: the block size the kernel was made for, and the dynamic
    # shared memory its temporaries take (ttt-gpu-private-buffers).
    shared=$(sed -n 's/.*ttt\.shared_bytes = \([0-9]*\).*/\1/p' \
      "$tmp/model.nvvm.mlir" | head -n 1)
    shared=${shared:-0}
    # cluster-groups: one block of a cluster per warp group and chain.
    percluster=$(sed -n 's/.*known_cluster_size = array<i32: 1, \([0-9]*\), 1>.*/\1/p' \
      "$tmp/model.nvvm.mlir" | head -n 1)
    percluster=${percluster:-1}
  }
  # The prefetch buffers and the level order (longer live ranges) take
  # shared memory: where a block would need more than the chip gives one
  # (sm_90: 227 KiB), the first of these that fits, among those not ruled
  # out.
  fit() {
    tried=""
    for combo in "true true" "true false" "false true" "false false"; do
      set -- $combo
      case "$prefetch:$1" in on:false|off:true) continue ;; esac
      case "$schedule:$2" in on:false|off:true) continue ;; esac
      lower "$1" "$2"
      fitted="prefetch=$1 schedule=$2"
      [ "$shared" -gt "$max_shared" ] || break
      tried="$tried, prefetch=$1 schedule=$2: $shared bytes"
    done
  }
  # Where the fast weights go, and threads per block (auto), as measured
  # on an H200 (docs/BENCHMARKS.md, rounds 5, 7 and 9): TTT-Linear (85 KB
  # of shared memory) is fastest at 512 threads with its weights in shared
  # memory; TTT-MLP, whose 128 KB of weights leave no room for the input
  # prefetch, with W1 in its result array (global memory), W2 in shared
  # memory and 512 threads (2.83 ms at 1 x 2048; 2.96 at 256; both in
  # global memory 3.34; both in shared memory, no prefetch, 4.16).
  autothreads=0
  [ "$threads" = auto ] && autothreads=1 && threads=512
  instate=false
  [ "$state" = results ] && instate=true
  fit
  if [ "$state" = auto ] && [ "${fitted%% *}" = prefetch=false ]; then
    sharedfits=0
    [ "$shared" -gt "$max_shared" ] || sharedfits=1
    instate=true
    # 512 threads (H200, round 9: 2.83 against 2.96 ms at 256, fast mode
    # 2.23 against 2.43; 384: 3.03, 1024 spills).
    [ "$autothreads" = 0 ] || threads=512
    # The fewest of them (in order) in their result arrays that leave room
    # for the prefetch: TTT-MLP's W1 (W2 stays in shared memory), 3.46 ms
    # at 1 x 2048 on an H200 against 4.57 with both in global memory.
    for statemax in 1 2 -1; do
      fit
      [ "${fitted%% *}" = prefetch=false ] || break
    done
    # No prefetch either way: the weights in shared memory where they fit
    # (faster), else in the result arrays (chips with less shared memory).
    if [ "${fitted%% *}" = prefetch=false ] &&
       { [ "$sharedfits" = 1 ] || [ "$shared" -gt "$max_shared" ]; }; then
      instate=false statemax=-1
      [ "$autothreads" = 0 ] || threads=128
      fit
    fi
  elif [ "$autothreads" = 1 ] && [ "$shared" -gt 131072 ]; then
    threads=128
    fit
  fi
  [ "$shared" -le "$max_shared" ] ||
    die "the kernel needs more shared memory per block than $chip gives ($max_shared bytes)${tried}"
  [ -z "$tried" ] || echo "ttt-compile: note: shared memory per block over $max_shared bytes with${tried#,}; compiled with $fitted (see --gpu-prefetch, --gpu-schedule)" >&2
  # --gpu-cluster auto: on sm_90 also the two-block kernel (ttt-compile
  # --gpu-cluster on), for the runtime to launch where its blocks fit the
  # device (H200, fla fast: 1 x 2048 0.240 against 0.264 ms, 8 x 8192
  # 1.37 against 1.10; fp32: 0.305 against 0.327); skipped where the graph has
  # no such kernel (TTT-MLP, the official variant).
  cluster_flags=()
  cluster_modules=()
  # One cluster kernel into the manifest's list: compiled with ttt-compile
  # --gpu-cluster on and the extra options given, as module $2.
  add_cluster() { # tag module-name [--gpu-option K=V]...
    local tag=$1 cname=$2
    shift 2
    mkdir -p "$tmp/cluster"
    local cargs=(--target cuda --gpu-cluster on --gpu-chip "$chip" --gpu-mma "$mma"
      --gpu-short-pointers "$shortptr")
    # The user's --gpu-option settings hold for every kernel.
    for o in $gpuopts; do cargs+=(--gpu-option "$o"); done
    cargs+=("$@")
    [ "$cubin" = 0 ] || cargs+=(--cubin)
    [ -z "$entry" ] || cargs+=(--entry "$entry")
    "$0" "$input" -o "$tmp/cluster/$tag" "${cargs[@]}" > /dev/null 2>&1 ||
      return 1
    cshared=$(sed -n 's/.*"shared_bytes": \([0-9]*\).*/\1/p' \
      "$tmp/cluster/$tag.json" | head -n 1)
    cper=$(sed -n 's/.*"blocks_per_chain": \([0-9]*\).*/\1/p' \
      "$tmp/cluster/$tag.json" | head -n 1)
    cluster_flags+=(--ttt-manifest-cluster-module="$cname"
      --ttt-manifest-cluster-block=256
      --ttt-manifest-cluster-shared-bytes="$cshared"
      --ttt-manifest-cluster-blocks-per-chain="$cper")
    cluster_modules+=("$tag:$cname")
  }
  if [ "$cluster" = auto ] && { [ "$mma" = tf32 ] || [ "$mma" = 3xtf32 ]; } &&
     [ "$percluster" = 1 ] &&
     [ "${chip#sm_9}" != "$chip" ]; then
    ext=${module##*.}
    if add_cluster k "$name.cluster.$ext" && [ "$cper" -gt 2 ]; then
      # The fp32 kernel takes four blocks a chain: the two-block one
      # (split-weights=false) too, for batches whose chains x 4 blocks
      # exceed the SMs but x 2 do not (H = 12 on an H200: B = 3..5), which
      # the one-block kernel would run slower (H200, round 21: 4 x 8192 in
      # 1.042 ms on two blocks; one block 1.282 at 8 x 8192). Not where the
      # user chose the split.
      user_splits ||
        add_cluster k2 "$name.cluster2.$ext" \
          --gpu-option split-weights=false || true
    fi
  fi
  "$HERE/ttt-translate" --ttt-manifest --ttt-manifest-target=cuda \
    --ttt-manifest-module="$module" --ttt-manifest-block="$threads" \
    --ttt-manifest-blocks-per-chain="$percluster" "${cluster_flags[@]}" \
    --ttt-manifest-shared-bytes="$shared" "${entry_flag[@]}" "$input" \
    -o "$tmp/manifest.json" || die "cannot describe the entry of '$input'"
  ptrflags=()
  [ "$shortptr" = off ] || ptrflags=(--nvptx-short-ptr)
  "$HERE/ttt-opt" "$tmp/model.nvvm.mlir" --gpu-module-to-binary=format=isa \
    "${ptrflags[@]}" \
    -o "$tmp/model.bin.mlir" || die "PTX generation failed"
  "$HERE/ttt-translate" --ttt-gpu-object "$tmp/model.bin.mlir" \
    -o "$tmp/model.ptx" || die "cannot extract the PTX"
  if grep -q '^\.extern .*__nv_' "$tmp/model.ptx"; then
    echo "ttt-compile: warning: the PTX calls libdevice functions" \
      "($(grep -o '__nv_[a-z0-9]*' "$tmp/model.ptx" | sort -u | tr '\n' ' '))" \
      "that no CUDA toolkit was found to link (set CUDA_HOME): the driver" \
      "will not load it" >&2
  fi
  if [ "$cubin" = 1 ]; then
    "$ptxas" -arch="$chip" "$tmp/model.ptx" -o "$tmp/model.cubin" ||
      die "ptxas failed"
  fi
  mkdir -p "$(dirname "$out")"
  mv "$tmp/model.ptx" "$out.ptx"
  [ "$cubin" = 0 ] || mv "$tmp/model.cubin" "$out.cubin"
  mv "$tmp/manifest.json" "$out.json"
  written=""
  for tm in "${cluster_modules[@]}"; do
    mv "$tmp/cluster/${tm%%:*}.${module##*.}" "$(dirname "$out")/${tm#*:}"
    written="$written${written:+, }${tm#*:}"
  done
  [ "$keep" = 0 ] || mv "$tmp/model.nvvm.mlir" "$out.nvvm.mlir"
  echo "ttt-compile: wrote $out.json and $(dirname "$out")/$module${written:+ (and $written)}"
  exit 0
fi
for t in "$HERE/ttt-opt" "$HERE/ttt-translate" "$LLVM_BIN/opt" "$LLVM_BIN/llc"; do
  [ -x "$t" ] || die "missing tool $t"
done

# Without a triple LLVM's cost models know no vector registers.
[ -n "$triple" ] || triple=$("$CC" -dumpmachine) || die "cannot ask $CC for the host triple"
name=$(basename "$out")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
entry_flag=()
[ -z "$entry" ] || entry_flag=(--ttt-manifest-entry="$entry")

if [ -n "$config" ]; then
  [ "$target" = cpu ] || die "--config: only --target cpu compiles whole models so far"
  "$HERE/ttt-model-gen" "$config" "${sets[@]}" -o "$tmp/model.mlir" \
    --manifest "$tmp/manifest.json" --library "$name.so" ||
    die "cannot write the graph of '$config'"
  input="$tmp/model.mlir"
else
"$HERE/ttt-translate" --ttt-manifest --ttt-manifest-library="$name.so" \
  "${entry_flag[@]}" "$input" -o "$tmp/manifest.json" ||
  die "cannot describe the entry of '$input'"
fi
"$HERE/ttt-opt" "$input" --ttt-to-llvm-cpu -o "$tmp/model.llvm.mlir" ||
  die "lowering '$input' failed"
"$HERE/ttt-translate" --mlir-to-llvmir "$tmp/model.llvm.mlir" -o "$tmp/model.ll" ||
  die "translation to LLVM IR failed"
"$LLVM_BIN/opt" -O3 -mtriple="$triple" -mcpu="$mcpu" "$tmp/model.ll" -o "$tmp/model.bc" ||
  die "LLVM optimization failed"
"$LLVM_BIN/llc" -O3 -mtriple="$triple" -mcpu="$mcpu" -relocation-model=pic -filetype=obj \
  "$tmp/model.bc" -o "$tmp/model.o" || die "code generation failed"
"$CC" -shared -o "$tmp/model.so" "$tmp/model.o" -lm || die "linking failed"

mkdir -p "$(dirname "$out")"
mv "$tmp/model.so" "$out.so"
mv "$tmp/manifest.json" "$out.json"
if [ "$keep" = 1 ]; then
  mv "$tmp/model.llvm.mlir" "$out.llvm.mlir"
  mv "$tmp/model.ll" "$out.ll"
  [ -z "$config" ] || mv "$tmp/model.mlir" "$out.mlir"
fi
echo "ttt-compile: wrote $out.json and $out.so"
