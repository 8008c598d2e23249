#!/usr/bin/env python3
"""Whole-model benchmark (docs/MODEL.md): prefill tokens/s and decode
latency per token of a compiled model artifact through ttt-run, at several
prompt lengths, with peak memory (RSS) per run to show it does not grow
with T (prefill streams the prompt in pieces).

usage: bench/models/run.py --artifact OUT.json --weights W.safetensors
           [--tokens 2048,32768] [--piece 2048] [--decode-steps 32]

Build the artifact with ttt-compile --config examples/models/ttt-125m.json
-o OUT [--target cuda --cubin] and the weights with
scripts/make-model-weights.py examples/models/ttt-125m.json W.safetensors.
"""

import argparse
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


def ttt_run(binary, args):
    out = subprocess.run([binary] + args + ["--json", "--quiet"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine(target):
    if target == "cuda":
        try:
            return subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                                  capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "cuda device"
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    return f"{model}, {os.cpu_count()} cores"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--artifact", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--ttt-run", default=os.path.join(ROOT, "build", "bin", "ttt-run"))
    p.add_argument("--tokens", default="2048,32768")
    p.add_argument("--piece", type=int, default=2048)
    p.add_argument("--decode-steps", type=int, default=32)
    a = p.parse_args()
    with open(a.artifact) as f:
        manifest = json.load(f)
    target, cfg = manifest["target"], manifest["model"]
    print(f"model: {cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, "
          f"{cfg['num_attention_heads']} heads, TTT-{cfg['ttt_layer_type']}, vocab "
          f"{cfg['vocab_size']}; target {target} on {machine(target)}")
    print("| T | prefill ms | prefill tokens/s | decode ms/token | peak RSS MB (prefill) |")
    print("|---:|---:|---:|---:|---:|")
    common = [a.artifact, "--weights", a.weights]
    for t in (int(x) for x in a.tokens.split(",")):
        pre = ttt_run(a.ttt_run, ["prefill-model"] + common + [
            "--random-tokens", str(t), "--piece", str(min(a.piece, t))])
        # Decode after a prompt of T tokens: the step's cost does not depend
        # on T (the state is fixed-size), which this shows.
        prompt = ",".join(str((i * 7919) % cfg["vocab_size"]) for i in range(min(t, a.piece)))
        gen = ttt_run(a.ttt_run, ["generate"] + common + [
            "--prompt", prompt, "--max-new-tokens", str(a.decode_steps + 1)])
        print(f"| {t} | {pre['time_ms']:.1f} | {pre['tokens_per_s']:.1f} | "
              f"{gen['decode_ms_per_token']:.3f} | {pre['peak_rss_mb']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
