#!/usr/bin/env bash
# ttt-run generate / prefill-model on the toy model test double: good runs,
# consistency between calls, JSON, bounded memory, usage and runtime errors;
# the cuda toy model (kernels/ToyModelCuda.cpp) on the fake driver
# (kernels/FakeCuda.cpp, found as libcuda.so.1 through LD_LIBRARY_PATH).
# usage: ttt_run_model_test.sh TTT_RUN TOY_MODEL_MANIFEST
#        [TOY_MODEL_CUDA_MANIFEST FAKE_CUDA_LIBRARY]
set -u
RUN=$1 MODEL=$2 CUDA_MODEL=${3:-} FAKE_CUDA=${4:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "PASS: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

# expect_status NAME STATUS NEEDLE CMD...: exit STATUS and
# "ttt-run: error:" + NEEDLE on stderr.
expect_status() {
  local name=$1 status=$2 needle=$3; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" != "$status" ]; then
    bad "$name: exit $rc, expected $status: $(cat "$TMP/err")"; return
  fi
  if grep -q "ttt-run: error:.*$needle" "$TMP/err"; then ok "$name"
  else bad "$name: stderr was: $(cat "$TMP/err")"; fi
}

# Weights of the toy model (kernels/ToyModel.cpp), written with the
# standard library only. W: good; the others break one tensor each.
python3 - "$TMP" <<'PYEOF'
import json, struct, sys
embed = [((i * 37) % 17 - 8) / 8.0 for i in range(44)]
good = [("model.embed_tokens.weight", "F32", [11, 4], embed),
        ("model.h0", "F32", [2, 2], [0.001, -0.002, 0.003, -0.004]),
        ("model.norm.weight", "F32", [4], [0.001, 0.002, -0.001, 0.003]),
        ("model.decay", "F32", [1], [0.5]),
        ("lm_head.weight", "F32", [11, 4], embed)]
def write(path, ts):
    hdr, data = {}, b""
    for name, dtype, shape, vals in ts:
        fmt = {"F32": "<%df", "I32": "<%di"}[dtype]
        b = struct.pack(fmt % len(vals), *vals)
        hdr[name] = {"dtype": dtype, "shape": shape,
                     "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(hdr).encode()
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + data)
d = sys.argv[1]
write(d + "/w.safetensors", good)
write(d + "/missing.safetensors", good[:2] + good[3:])
write(d + "/shape.safetensors",
      good[:1] + [("model.h0", "F32", [4], good[1][3])] + good[2:])
write(d + "/dtype.safetensors",
      good[:3] + [("model.decay", "I32", [1], [1])] + good[4:])
PYEOF
W=$TMP/w.safetensors

if "$RUN" --help | grep -q "ttt-run generate MODEL.json" &&
   "$RUN" generate --help | grep -q -- "--max-new-tokens N" &&
   "$RUN" prefill-model --help | grep -q -- "--random-tokens T"
then ok help; else bad help; fi

# generate: ids, prefill ms and tokens/s, decode ms per token, peak RSS.
if "$RUN" generate "$MODEL" --weights "$W" --prompt 1,2,3 --max-new-tokens 8 \
    --quiet >"$TMP/out" 2>&1 &&
   grep -qE '^generated\[0\]:( [0-9]+){8}$' "$TMP/out" &&
   grep -qE '^prefill: [0-9.]+ ms, [0-9.]+ tokens/s$' "$TMP/out" &&
   grep -qE '^decode: [0-9.]+ ms per token \(median of 7 steps\)$' "$TMP/out" &&
   grep -qE '^peak RSS: [0-9.]+ MB$' "$TMP/out" &&
   grep -qx 'device: cpu' "$TMP/out"
then ok "generate"; else bad "generate: $(cat "$TMP/out")"; fi

# --json; generating after a longer prompt continues the same sequence
# (prefill then decode = a longer prefill), and every sequence of a batch
# generates the same ids.
ids() { sed -E 's/^\{"generated": \[\[([0-9, ]*)\]\].*/\1/' "$TMP/out"; }
"$RUN" generate "$MODEL" --weights "$W" --prompt 1,2,3 --max-new-tokens 40 \
  --json --quiet >"$TMP/out" 2>&1
if grep -qE '^\{"generated": \[\[[0-9, ]+\]\], "prompt_tokens": 3, "batch": 1, "prefill_ms": [0-9.]+, "prefill_tokens_per_s": [0-9.]+, "decode_ms_per_token": [0-9.]+, "decode_steps": 39, "peak_rss_mb": [0-9.]+, "device": "cpu"\}$' "$TMP/out"
then ok "generate --json"; else bad "generate --json: $(cat "$TMP/out")"; fi
all=$(ids)
# A 21-token prompt: its continuation crosses mini-batch boundaries (16).
prompt=$(seq -s, 0 10 | sed 's/,/,1,/g')
"$RUN" generate "$MODEL" --weights "$W" --prompt "$prompt" \
  --max-new-tokens 20 --json --quiet >"$TMP/out" 2>&1
a=$(ids)
"$RUN" generate "$MODEL" --weights "$W" --prompt "$prompt,${a%%,*}" \
  --max-new-tokens 19 --json --quiet >"$TMP/out" 2>&1
b=$(ids)
if [ -n "$a" ] && [ "${a#*, }" = "$b" ]; then ok "prefill + decode = longer prefill"
else bad "continuation: [$a] vs [$b]"; fi
"$RUN" generate "$MODEL" --weights "$W" --prompt 1,2,3 --max-new-tokens 40 \
  --batch 3 --threads 2 --json --quiet >"$TMP/out" 2>&1
if grep -qF "[[$all], [$all], [$all]]" "$TMP/out" && [ -n "$all" ]
then ok "batch of 3 equals batch of 1"; else bad "batch: $(cat "$TMP/out")"; fi

# prefill-model: the same final logits for any piece size; 32768 tokens
# with memory bounded.
for piece in 7 1000 4096; do
  "$RUN" prefill-model "$MODEL" --weights "$W" --random-tokens 32768 \
    --seed 5 --piece $piece --batch 2 --json --quiet >"$TMP/p$piece" 2>&1
done
if grep -qE '^\{"time_ms": [0-9.]+, "tokens_per_s": [0-9.]+, "peak_rss_mb": [0-9.]+, "tokens": 32768, "batch": 2, "piece": 4096, "last_argmax": \[[0-9]+, [0-9]+\], "device": "cpu"\}$' "$TMP/p4096" &&
   [ "$(grep -o 'last_argmax.*' "$TMP/p7")" = "$(grep -o 'last_argmax.*' "$TMP/p4096")" ] &&
   [ "$(grep -o 'last_argmax.*' "$TMP/p1000")" = "$(grep -o 'last_argmax.*' "$TMP/p4096")" ] &&
   awk -F'"peak_rss_mb": ' '{split($2, a, ","); exit !(a[1] < 100)}' "$TMP/p4096"
then ok "prefill-model, any piece size: $(cat "$TMP/p4096")"
else bad "prefill-model: $(cat "$TMP/p7" "$TMP/p1000" "$TMP/p4096")"; fi
if "$RUN" prefill-model "$MODEL" --weights "$W" --random-tokens 100 --quiet \
    >"$TMP/out" 2>&1 && grep -qE '^tokens/s: [0-9.]+$' "$TMP/out" &&
   grep -qE '^peak RSS: [0-9.]+ MB$' "$TMP/out" &&
   grep -qx 'device: cpu' "$TMP/out"
then ok "prefill-model text"; else bad "prefill-model text: $(cat "$TMP/out")"; fi

# The cuda toy model: the same ids and argmax as the cpu toy, the device
# named. On the fake driver; then on libcuda.so.1 if there is a GPU, else
# the "no CUDA driver/device" error.
if [ -n "$CUDA_MODEL" ]; then
  mkdir "$TMP/fake" && ln -s "$(readlink -f "$FAKE_CUDA")" "$TMP/fake/libcuda.so.1"
  fake() { LD_LIBRARY_PATH="$TMP/fake${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }
  fake "$RUN" generate "$CUDA_MODEL" --weights "$W" --prompt 1,2,3 \
    --max-new-tokens 40 --batch 2 --json --quiet >"$TMP/out" 2>&1
  if grep -qF "\"generated\": [[$all], [$all]]" "$TMP/out" &&
     grep -qE '"device": "CUDA device 0: Fake CUDA device \(test double\)[^"]*"\}$' "$TMP/out"
  then ok "cuda generate (fake driver)"; else bad "cuda generate: $(cat "$TMP/out")"; fi
  fake "$RUN" prefill-model "$CUDA_MODEL" --weights "$W" --random-tokens 32768 \
    --seed 5 --piece 1000 --batch 2 --json --quiet >"$TMP/pc" 2>&1
  if [ "$(grep -o 'last_argmax[^]]*' "$TMP/pc")" = "$(grep -o 'last_argmax[^]]*' "$TMP/p4096")" ]
  then ok "cuda prefill-model (fake driver)"; else bad "cuda prefill-model: $(cat "$TMP/pc")"; fi
  if fake "$RUN" generate "$CUDA_MODEL" --weights "$W" --prompt 1,2,3 \
      --quiet >"$TMP/out" 2>&1 &&
     grep -qE '^device: CUDA device 0: Fake CUDA device' "$TMP/out"
  then ok "cuda generate text"; else bad "cuda generate text: $(cat "$TMP/out")"; fi
  if "$RUN" generate "$CUDA_MODEL" --weights "$W" --prompt 1,2,3 \
      --max-new-tokens 40 --json --quiet >"$TMP/out" 2>"$TMP/err"; then
    if grep -qF "[[$all]]" "$TMP/out"; then ok "cuda generate (GPU)"
    else bad "cuda generate (GPU): $(cat "$TMP/out")"; fi
  else
    expect_status "cuda model without a GPU" 1 'no \(usable \)\?CUDA \(driver\|device\)' \
      "$RUN" generate "$CUDA_MODEL" --weights "$W" --prompt 1
  fi
fi

# Usage errors: status 2.
expect_status "bad prompt" 2 'expects comma-separated token ids' \
  "$RUN" generate "$MODEL" --weights "$W" --prompt 1,x
expect_status "empty prompt item" 2 'expects comma-separated' \
  "$RUN" generate "$MODEL" --weights "$W" --prompt 1,,2
expect_status "no prompt" 2 'generate needs --prompt' \
  "$RUN" generate "$MODEL" --weights "$W"
expect_status "no weights" 2 '--weights FILE.safetensors is required' \
  "$RUN" generate "$MODEL" --prompt 1
expect_status "no model" 2 'no model manifest given' \
  "$RUN" generate --weights "$W" --prompt 1
expect_status "no token count" 2 'prefill-model needs --random-tokens' \
  "$RUN" prefill-model "$MODEL" --weights "$W"
expect_status "mixed options" 2 'options of prefill-model' \
  "$RUN" generate "$MODEL" --weights "$W" --prompt 1 --piece 4
expect_status "mixed options 2" 2 'options of generate' \
  "$RUN" prefill-model "$MODEL" --weights "$W" --random-tokens 4 --max-new-tokens 2
expect_status "bad batch" 2 '--batch: expected an integer' \
  "$RUN" generate "$MODEL" --weights "$W" --prompt 1 --batch 0
expect_status "unknown option" 2 'unknown option --frobnicate' \
  "$RUN" generate "$MODEL" --weights "$W" --prompt 1 --frobnicate
expect_status "missing value" 2 '--piece needs a value' \
  "$RUN" prefill-model "$MODEL" --weights "$W" --random-tokens 4 --piece

# Runtime errors: status 1, naming the file or the tensor.
expect_status "token out of range" 1 'token id 11 (sequence 0, token 1 of this call) is out of range \[0, 11)' \
  "$RUN" generate "$MODEL" --weights "$W" --prompt 1,11
expect_status "missing weight file" 1 "$TMP/none.safetensors: cannot open" \
  "$RUN" generate "$MODEL" --weights "$TMP/none.safetensors" --prompt 1
expect_status "missing tensor" 1 'missing tensor "model.norm.weight"' \
  "$RUN" generate "$MODEL" --weights "$TMP/missing.safetensors" --prompt 1
expect_status "wrong shape" 1 'tensor "model.h0": shape \[4\], expected \[2, 2\]' \
  "$RUN" prefill-model "$MODEL" --weights "$TMP/shape.safetensors" --random-tokens 4
expect_status "wrong dtype" 1 'tensor "model.decay": dtype I32, expected F32' \
  "$RUN" generate "$MODEL" --weights "$TMP/dtype.safetensors" --prompt 1
expect_status "layer artifact" 1 'a layer artifact manifest' \
  "$RUN" generate "$(dirname "$MODEL")/toy.json" --weights "$W" --prompt 1
expect_status "model as a layer artifact" 1 'a model manifest' \
  "$RUN" "$MODEL" --random 1 --tokens 4
expect_status "missing manifest" 1 'cannot open the manifest' \
  "$RUN" generate "$TMP/none.json" --weights "$W" --prompt 1

echo "ttt_run_model_test: $fails failed"
[ "$fails" = 0 ]
