"""Fresh random inputs for every test run, reproducible on demand: the seed
is printed, and TTT_SEED replays it."""

import os

import numpy as np


def seeded_rng():
    seed = int(os.environ.get("TTT_SEED", np.random.SeedSequence().entropy % 2**32))
    print(f"seed {seed}")
    return np.random.default_rng(seed)
