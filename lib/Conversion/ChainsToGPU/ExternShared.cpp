//===- ExternShared.cpp - Dynamic shared memory as an extern array --------===//
//
// convert-gpu-to-nvvm gives gpu.dynamic_shared_memory an internal
// zero-sized global in address space 3; the NVPTX backend then demotes it
// to a one-byte static `.shared` variable, and the kernel's accesses run
// past its declared size into the dynamic region. As an external global it
// is the `.extern .shared .b8 name[]` of CUDA's dynamic shared memory.
//
//===----------------------------------------------------------------------===//

#include "ttt/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::ttt {
#define GEN_PASS_DEF_TTTGPUEXTERNSHARED
#include "ttt/Conversion/Passes.h.inc"
} // namespace mlir::ttt

using namespace mlir;

namespace {

struct TTTGPUExternSharedPass
    : ttt::impl::TTTGPUExternSharedBase<TTTGPUExternSharedPass> {
  void runOnOperation() override {
    for (auto global : getOperation().getOps<LLVM::GlobalOp>()) {
      auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      if (global.getAddrSpace() != 3 || !array || array.getNumElements() != 0)
        continue;
      global.setLinkage(LLVM::Linkage::External);
    }
  }
};

} // namespace
