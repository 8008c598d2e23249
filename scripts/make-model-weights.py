#!/usr/bin/env python3
"""Writes seeded random weights of a TTT language model (docs/MODEL.md's
config) as a .safetensors file under ttt-lm-pytorch's state_dict names and
shapes, f32, so it loads like a checkpoint saved from TTTForCausalLM (the
tied lm_head.weight is left out, as save_pretrained does).

The values are those of test/lib/ttt_model_reference.py's random_weights
(official init scales; --perturb makes the norms, biases and
learnable_token_idx small random values too), rounded to f32. Tensors are
made and written one at a time, so the 125M model (~440 MB) needs memory
for its largest tensor only.

usage: scripts/make-model-weights.py CONFIG.json OUT.safetensors [--seed N] [--perturb]"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "lib"))
import ttt_model_reference as ref  # noqa: E402


def write_safetensors(path, shapes, make, metadata=None):
    """shapes: [(name, shape)]; make(name) -> array of that shape, called
    once per tensor in sorted-name order and written as F32 straight away.
    Layout: u64 little-endian header length, JSON header (padded with spaces
    to 8 bytes), then the tensors' raw little-endian data back to back."""
    names = sorted(n for n, _ in shapes)
    shape_of = dict(shapes)
    header, off = {}, 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for n in names:
        size = 4 * int(np.prod(shape_of[n], dtype=np.int64))
        header[n] = {"dtype": "F32", "shape": list(shape_of[n]), "data_offsets": [off, off + size]}
        off += size
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(len(blob).to_bytes(8, "little"))
        f.write(blob)
        for n in names:
            a = np.ascontiguousarray(make(n), dtype="<f4")
            if a.shape != tuple(shape_of[n]):
                raise ValueError(f"{n}: made shape {a.shape}, expected {shape_of[n]}")
            a.tofile(f)
            del a
    os.replace(tmp, path)
    return off


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write seeded random TTT model weights (ttt-lm-pytorch names, f32) "
                    "as a .safetensors file.")
    ap.add_argument("config", help="model config JSON (docs/MODEL.md keys)")
    ap.add_argument("out", help="output .safetensors path")
    ap.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    ap.add_argument("--perturb", action="store_true",
                    help="random norms/biases/learnable_token_idx instead of ones/zeros")
    args = ap.parse_args(argv)
    cfg = ref.load_config(args.config)
    shapes = ref.weight_shapes(cfg)
    shape_of = dict(shapes)
    meta = {"format": "pt", "generator": "ttt-compiler scripts/make-model-weights.py",
            "seed": args.seed, "perturb": int(args.perturb)}
    nbytes = write_safetensors(
        args.out, shapes, lambda n: ref.make_weight(n, shape_of[n], args.seed, args.perturb), meta)
    print(f"wrote {args.out}: {len(shapes)} tensors, {nbytes // 4} f32 values")


if __name__ == "__main__":
    main()
