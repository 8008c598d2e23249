"""Calls a compiled model artifact (docs/MODEL.md) from Python through
ctypes, independently of the C++ runtime: packs weights into the blob,
keeps one state blob per sequence and splits spans the documented way
(decode steps up to a mini-batch boundary, the largest prefill entries
that fit, decode steps for the rest). Artifacts of target cuda get device
arrays (CUDA driver through ctypes), position in host memory, and the
shim's error checked after every call."""

import ctypes
import json
import os

import numpy as np


class DeviceArray:
    """A contiguous array in device memory (CUDA driver via ctypes)."""

    def __init__(self, cuda, shape, dtype):
        self.cuda, self.shape, self.dtype = cuda, tuple(shape), np.dtype(dtype)
        self.ndim, self.itemsize = len(self.shape), self.dtype.itemsize
        self.nbytes = int(np.prod(self.shape)) * self.itemsize
        self.strides = tuple(int(np.prod(self.shape[i + 1:])) * self.itemsize
                             for i in range(self.ndim))
        ptr = ctypes.c_uint64()
        cuda.check(cuda.lib.cuMemAlloc_v2(ctypes.byref(ptr), max(self.nbytes, 1)),
                   "cuMemAlloc")
        self.ptr = ptr.value

    def upload(self, array):
        array = np.ascontiguousarray(array, self.dtype)
        assert array.nbytes == self.nbytes
        self.cuda.check(self.cuda.lib.cuMemcpyHtoD_v2(
            ctypes.c_uint64(self.ptr), array.ctypes.data_as(ctypes.c_void_p),
            ctypes.c_size_t(self.nbytes)), "cuMemcpyHtoD")
        return self

    def numpy(self):
        out = np.empty(self.shape, self.dtype)
        self.cuda.check(self.cuda.lib.cuMemcpyDtoH_v2(
            out.ctypes.data_as(ctypes.c_void_p), ctypes.c_uint64(self.ptr),
            ctypes.c_size_t(self.nbytes)), "cuMemcpyDtoH")
        return out

    def __del__(self):
        try:
            self.cuda.lib.cuMemFree_v2(ctypes.c_uint64(self.ptr))
        except Exception:
            pass


class Cuda:
    """Device 0's primary context (the one the artifact's shim uses)."""

    def __init__(self):
        self.lib = ctypes.CDLL("libcuda.so.1")
        self.check(self.lib.cuInit(0), "cuInit")
        dev, ctx = ctypes.c_int(), ctypes.c_void_p()
        self.check(self.lib.cuDeviceGet(ctypes.byref(dev), 0), "cuDeviceGet")
        self.check(self.lib.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev),
                   "cuDevicePrimaryCtxRetain")
        self.check(self.lib.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")

    @staticmethod
    def check(result, what):
        if result != 0:
            raise RuntimeError(f"{what} failed: CUDA error {result}")

    def array(self, array, dtype=None):
        array = np.asarray(array, dtype)
        return DeviceArray(self, array.shape, array.dtype).upload(array)


def _descriptor(array):
    rank = array.ndim

    class Desc(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    strides = [s // array.itemsize for s in array.strides]
    ptr = array.ptr if isinstance(array, DeviceArray) else array.ctypes.data
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
        self.cuda = Cuda() if self.manifest["target"] == "cuda" else None
        if self.cuda:
            self.take_error = self.lib.ttt_gpu_shim_take_error
            self.take_error.restype = ctypes.c_char_p

    def pack_weights(self, weights):
        blob = np.zeros(self.manifest["weights_size"], np.float32)
        for w in self.manifest["weights"]:
            value = np.asarray(weights[w["name"]], np.float32)
            assert list(value.shape) == w["shape"], w["name"]
            blob[w["offset"]:w["offset"] + value.size] = value.ravel()
        return self.cuda.array(blob) if self.cuda else blob

    def initial_state(self, weights):
        blob = np.zeros(self.manifest["states_size"], np.float32)
        for s in self.manifest["states"]:
            if s["init"] != "zeros":
                value = np.asarray(weights[s["init"]], np.float32).ravel()
                blob[s["offset"]:s["offset"] + value.size] = value
        return self.cuda.array(blob) if self.cuda else blob

    def read_state(self, blob, name):
        if isinstance(blob, DeviceArray):
            blob = blob.numpy()
        for s in self.manifest["states"]:
            if s["name"] == name:
                n = int(np.prod(s["shape"]))
                return blob[s["offset"]:s["offset"] + n].reshape(s["shape"])
        raise KeyError(name)

    def call(self, entry, tokens, weights_blob, state, position=None):
        tokens = np.ascontiguousarray(tokens, np.int32)
        assert tokens.shape == (entry["tokens"],)
        if self.cuda:
            tokens = self.cuda.array(tokens)
            logits = DeviceArray(self.cuda, entry["logits_shape"], np.float32)
            new_state = DeviceArray(self.cuda, state.shape, np.float32)
        else:
            logits = np.zeros(entry["logits_shape"], np.float32)
            new_state = np.zeros_like(state)
        args = [tokens]
        if position is not None:  # host memory on both targets
            args.append(np.array([position], np.int32))
        args += [weights_blob, state, logits, new_state]
        descs = [_descriptor(a) for a in args]
        fn = getattr(self.lib, entry["symbol"])
        fn.restype = None
        fn(*[ctypes.byref(d) for d in descs])
        if self.cuda:
            error = self.take_error()
            if error:
                raise RuntimeError(f"{entry['symbol']}: {error.decode()}")
            logits = logits.numpy()
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
