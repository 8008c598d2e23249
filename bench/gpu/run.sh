#!/usr/bin/env bash
# GPU check and timings in one device call (issue 5): for each artifact
# folder (each holding fla.json + its module), test/gpu/check_gpu.py
# against the float64 reference, compute-sanitizer racecheck on a small
# case, then ttt-run timings at H = 12, T = 2048, B = 1 and 8 (median of
# --repeat 5, prefill calls, host<->device copies included). Prints one
# table line per artifact and size last.
#
# usage: bench/gpu/run.sh TTT_RUN ART_DIR... (run from the repository root)
set -u
run=$1; shift
out=${OUT:-/tmp}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
for a in "$@"; do
  echo "== check $a"
  PYTHONUNBUFFERED=1 python3 test/gpu/check_gpu.py "$a/fla.json" "$run" "/tmp/work-$(basename "$a")"
  if command -v compute-sanitizer >/dev/null; then
    timeout 120 compute-sanitizer --tool racecheck --racecheck-report hazard \
      "$run" "$a/fla.json" --device cuda --random 0 --batch 1 --heads 2 \
      --tokens 37 --quiet 2>&1 | tail -n 3
  fi
done
rows=()
for a in "$@"; do
  for B in 1 8; do
    j=$("$run" "$a/fla.json" --device cuda --random 0 --batch "$B" --heads 12 \
      --tokens 2048 --repeat 5 --json --quiet 2>&1 | tail -n 1)
    echo "$a B=$B $j" >> "$out/timings.txt"
    rows+=("$(basename "$a") B=$B: $j")
  done
done
printf '%s\n' "${rows[@]}"
