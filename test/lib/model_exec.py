"""Calls a compiled model artifact (docs/MODEL.md) from Python through
ctypes, independently of the C++ runtime: packs weights into the blob,
keeps one state blob per sequence and splits spans the documented way
(decode steps up to a mini-batch boundary, the largest prefill entries
that fit, decode steps for the rest)."""

import ctypes
import json
import os

import numpy as np


def _descriptor(array):
    rank = array.ndim

    class Desc(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    strides = [s // array.itemsize for s in array.strides]
    ptr = array.ctypes.data
    return Desc(ptr, ptr, 0, (ctypes.c_int64 * rank)(*array.shape),
                (ctypes.c_int64 * rank)(*strides))


class ModelArtifact:
    def __init__(self, manifest_path):
        with open(manifest_path) as f:
            self.manifest = json.load(f)
        lib = os.path.join(os.path.dirname(os.path.abspath(manifest_path)),
                           self.manifest["library"])
        self.lib = ctypes.CDLL(lib)
        self.cfg = self.manifest["model"]
        self.bt = self.cfg["mini_batch_size"]
        self.entries = self.manifest["entries"]

    def pack_weights(self, weights):
        blob = np.zeros(self.manifest["weights_size"], np.float32)
        for w in self.manifest["weights"]:
            value = np.asarray(weights[w["name"]], np.float32)
            assert list(value.shape) == w["shape"], w["name"]
            blob[w["offset"]:w["offset"] + value.size] = value.ravel()
        return blob

    def initial_state(self, weights):
        blob = np.zeros(self.manifest["states_size"], np.float32)
        for s in self.manifest["states"]:
            if s["init"] != "zeros":
                value = np.asarray(weights[s["init"]], np.float32).ravel()
                blob[s["offset"]:s["offset"] + value.size] = value
        return blob

    def read_state(self, blob, name):
        for s in self.manifest["states"]:
            if s["name"] == name:
                n = int(np.prod(s["shape"]))
                return blob[s["offset"]:s["offset"] + n].reshape(s["shape"])
        raise KeyError(name)

    def call(self, entry, tokens, weights_blob, state, position=None):
        tokens = np.ascontiguousarray(tokens, np.int32)
        assert tokens.shape == (entry["tokens"],)
        logits = np.zeros(entry["logits_shape"], np.float32)
        new_state = np.zeros_like(state)
        args = [tokens]
        if position is not None:
            args.append(np.array([position], np.int32))
        args += [weights_blob, state, logits, new_state]
        descs = [_descriptor(a) for a in args]
        fn = getattr(self.lib, entry["symbol"])
        fn.restype = None
        fn(*[ctypes.byref(d) for d in descs])
        return logits, new_state

    def run(self, tokens, weights_blob, state, seen):
        """Runs tokens (one sequence) from `state` after `seen` tokens.
        Returns (per-call list of (positions, logits)), new state."""
        decode = next(e for e in self.entries if e["role"] == "decode")
        prefills = sorted((e for e in self.entries if e["role"] == "prefill"),
                          key=lambda e: -e["tokens"])
        out, i = [], 0
        while i < len(tokens):
            p = seen + i
            fit = [e for e in prefills if e["tokens"] <= len(tokens) - i]
            if p % self.bt == 0 and fit:
                e = fit[0]
                logits, state = self.call(e, tokens[i:i + e["tokens"]],
                                          weights_blob, state)
                out.append((range(p, p + e["tokens"]), logits))
                i += e["tokens"]
            else:
                logits, state = self.call(decode, tokens[i:i + 1], weights_blob,
                                          state, position=p % self.bt)
                out.append((range(p, p + 1), logits))
                i += 1
        return out, state
