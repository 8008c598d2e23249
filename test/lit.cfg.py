# -*- Python -*-
# lit configuration for the ttt-compiler regression tests.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "TTT"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ttt_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%ttt_src_root", config.ttt_src_root))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%ttt_bin", config.ttt_tools_dir))
config.substitutions.append(("%mlir_include", config.mlir_include_dir))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.ttt_tools_dir, config.llvm_tools_dir]
tools = ["ttt-opt", "ttt-translate", "ttt-compile", "ttt-run", "mlir-tblgen", "not", "count", "FileCheck"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU model artifacts link their kernels' math against the CUDA toolkit's
# libdevice (ttt-compile --config --target cuda).
if os.path.isdir("/usr/local/cuda/nvvm/libdevice"):
    config.available_features.add("cuda-toolkit")

# ptxas (CUDA toolkit) for the register/spill report of our PTX.
ptxas = shutil.which("ptxas") or next(
    (p for p in ("/usr/local/cuda/bin/ptxas",) if os.access(p, os.X_OK)), None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%{ptxas}", ptxas))

# nvcc (CUDA toolkit) for the CUDA sources of bench/gpu.
nvcc = shutil.which("nvcc") or next(
    (p for p in ("/usr/local/cuda/bin/nvcc",) if os.access(p, os.X_OK)), None)
if nvcc:
    config.available_features.add("nvcc")
    config.substitutions.append(("%{nvcc}", nvcc))
