#!/usr/bin/env bash
# Installs what building and testing ttt-compiler needs on Debian 12.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

APT_PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
              cmake ninja-build clang g++ python3 python3-numpy libgtest-dev)

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
