#!/usr/bin/env bash
# Device-call helper for tuning the chain kernel: times several artifact
# folders side by side (kernel alone, bench/gpu/kernel_time.py, each first
# checked against the float64 reference), checks the last folder's
# examples end to end (test/gpu/check_gpu.py: ttt-run, T not a multiple of
# 16, streaming = one prefill; every folder's with CHECK_ALL=1), runs
# racecheck on its fla kernel and an ncu warp-state profile of it. Prints
# the timing table last.
#
# usage: [CHECK_ALL=1] bench/gpu/variants.sh TTT_RUN ROWS DIR... (repository root)
set -u
run=$1; rows=$2; shift 2
out=${OUT:-/tmp}
last=${!#}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
checked=("$last")
[ "${CHECK_ALL:-0}" = 1 ] && checked=("$@")
for dir in "${checked[@]}"; do
  for ex in fla official mlp; do
    [ -e "$dir/$ex.json" ] || continue
    echo "== check $dir $ex"
    PYTHONUNBUFFERED=1 timeout 120 python3 test/gpu/check_gpu.py "$dir/$ex.json" "$run" \
      "/tmp/work-$ex" 2>&1 | tail -n 4
  done
done
if command -v compute-sanitizer >/dev/null; then
  echo "== racecheck $last fla"
  timeout 120 compute-sanitizer --tool racecheck --racecheck-report hazard \
    "$run" "$last/fla.json" --device cuda --random 0 --batch 1 --heads 2 \
    --tokens 53 --quiet > "$out/race-fla.txt" 2>&1
  grep -m 3 -E 'hazard detected' "$out/race-fla.txt"
  grep -E 'RACECHECK SUMMARY' "$out/race-fla.txt"
fi
if command -v ncu >/dev/null; then
  timeout 120 ncu --clock-control none --section WarpStateStats --section SchedulerStats \
    --section MemoryWorkloadAnalysis_Tables --launch-count 1 "$run" "$last/fla.json" --device cuda \
    --random 0 --batch 1 --heads 12 --tokens 2048 --quiet > "$out/ncu-fla.txt" 2>&1
  grep -E "Stall|Warp Cycles|Issued|Eligible|Active Warps|bank|Bank" "$out/ncu-fla.txt" | head -40
fi
for a in "$@"; do
  for ex in fla official mlp; do
    [ -e "$a/$ex.json" ] || continue
    echo "== time $a $ex"
    PYTHONUNBUFFERED=1 timeout 150 python3 bench/gpu/kernel_time.py --artifact "$a/$ex.json" \
      --rows "$rows" --repeat 10 --budget 30 2>&1 | tee -a "$out/times.txt" | tail -n 8
  done
done
