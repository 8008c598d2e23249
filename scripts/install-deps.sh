#!/usr/bin/env bash
# Installs what building and testing ttt-compiler needs on Debian 12.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

APT_PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
              cmake ninja-build clang g++ python3 python3-numpy libgtest-dev nlohmann-json3-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Python interpreter the tests use must have numpy (the float64 oracles).
PY=${PYTHON:-python3}
if ! "$PY" -c "import numpy" 2>/dev/null; then
  echo "install-deps: installing numpy for $PY"
  "$PY" -m pip install -q numpy
fi

# JAX (CPU) for the second float64 oracle (test/oracles) and the CPU
# benchmark baseline (bench/cpu). Debian's own python3 is "externally
# managed" (PEP 668): fall back to --break-system-packages there.
if ! "$PY" -c "import jax" 2>/dev/null; then
  echo "install-deps: installing jax[cpu] for $PY"
  if ! "$PY" -m pip --version >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-pip
  fi
  "$PY" -m pip install -q "jax[cpu]" 2>/dev/null ||
    "$PY" -m pip install -q --break-system-packages "jax[cpu]"
  "$PY" -c "import jax" || { echo "install-deps: jax did not install" >&2; exit 1; }
fi
