//===- Pipelines.cpp - Named TTT pass pipelines ---------------------------===//

#include "ttt/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "ttt/Conversion/Passes.h"
#include "ttt/Transforms/Passes.h"

using namespace mlir;

void ttt::buildTTTToLinalgPipeline(OpPassManager &pm) {
  // The dual form matches ttt.grad/ttt.update, so it runs before autodiff.
  pm.addPass(createTTTDualForm());
  pm.addPass(createTTTAutodiff());
  pm.addPass(createConvertTTTScanToSCF());
  pm.addPass(createConvertTTTToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createTTTFuse());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void ttt::registerTTTPipelines() {
  PassPipelineRegistration<>(
      "ttt-to-linalg",
      "Lower a TTT graph to linalg/scf on tensors: ttt-dual-form, "
      "ttt-autodiff, convert-ttt-scan-to-scf, convert-ttt-to-linalg, "
      "canonicalize, cse, ttt-fuse, canonicalize, cse",
      buildTTTToLinalgPipeline);
}
