#!/usr/bin/env python3
"""Regenerates the .npy fixtures in this directory with NumPy itself, so the
C++ reader is checked against files NumPy wrote rather than our own writer.

Usage: python3 make_inputs.py [OUTDIR]   (default: this directory)
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(out, name)


def write(name, arr, version):
    with open(path(name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version)


np.save(path("f32_2x3.npy"), (0.5 * np.arange(6, dtype=np.float32)).reshape(2, 3))
np.save(path("i64_scalar.npy"), np.array(42, dtype=np.int64))
np.save(path("i32_2x0.npy"), np.zeros((2, 0), dtype=np.int32))
np.save(path("f32_big_endian.npy"), np.arange(4, dtype=">f4"))
np.save(path("f32_fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
# Versions 2.0 and 3.0 have a 4-byte header length.
write("f64_v2.npy", np.array([1.5, -2.25, 3.0]), (2, 0))
write("i32_v3.npy", np.array([[1, -2], [3, -4]], dtype=np.int32), (3, 0))
