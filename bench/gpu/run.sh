#!/usr/bin/env bash
# GPU check and timings in one device call (issue 5): for each artifact
# folder (holding fla.json and, where present, official.json and
# mlp.json with their modules), test/gpu/check_gpu.py against the float64
# reference for every example, compute-sanitizer racecheck on a small fla
# case, then ttt-run timings at H = 12, T = 2048, B = 1 and 8 (median of
# --repeat 5, prefill calls, host<->device copies included) and, with
# ncu, the kernel alone (one call, --clock-control none). Prints one table
# line per artifact, example and size last.
#
# usage: bench/gpu/run.sh TTT_RUN ART_DIR... (run from the repository root)
set -u
run=$1; shift
out=${OUT:-/tmp}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
for a in "$@"; do
  for ex in fla official mlp; do
    [ -e "$a/$ex.json" ] || continue
    echo "== check $a $ex"
    PYTHONUNBUFFERED=1 timeout 120 python3 test/gpu/check_gpu.py "$a/$ex.json" "$run" \
      "/tmp/work-$(basename "$a")-$ex"
  done
  if command -v compute-sanitizer >/dev/null; then
    timeout 120 compute-sanitizer --tool racecheck --racecheck-report hazard \
      "$run" "$a/fla.json" --device cuda --random 0 --batch 1 --heads 2 \
      --tokens 37 --quiet 2>&1 | tail -n 3
  fi
done
rows=()
for a in "$@"; do
  for ex in fla official mlp; do
    [ -e "$a/$ex.json" ] || continue
    for B in 1 8; do
      j=$(timeout 60 "$run" "$a/$ex.json" --device cuda --random 0 --batch "$B" --heads 12 \
        --tokens 2048 --repeat 5 --json --quiet 2>&1 | tail -n 1)
      k=-
      if command -v ncu >/dev/null; then
        k=$(timeout 60 ncu --clock-control none --metrics gpu__time_duration.sum \
          --launch-count 1 --csv "$run" "$a/$ex.json" --device cuda --random 0 \
          --batch "$B" --heads 12 --tokens 2048 --quiet 2>/dev/null |
          grep gpu__time_duration | tail -n 1 | awk -F'","' '{print $(NF-1), $NF}' | tr -d '"')
      fi
      echo "$a $ex B=$B $j kernel: $k" >> "$out/timings.txt"
      rows+=("$(basename "$a") $ex B=$B: $j kernel: $k")
    done
  done
done
printf '%s\n' "${rows[@]}"
