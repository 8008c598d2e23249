//===- InitAll.cpp - Register everything the TTT tools use ----------------===//

#include "ttt/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "ttt/Conversion/Passes.h"
#include "ttt/Dialect/TTT/IR/TTTDialect.h"
#include "ttt/Pipelines/Pipelines.h"
#include "ttt/Target/Manifest.h"
#include "ttt/Transforms/Passes.h"

void mlir::ttt::registerAllDialects(DialectRegistry &registry) {
  registry.insert<TTTDialect>();
  registerVJPInterfaceExternalModels(registry);
}

void mlir::ttt::registerAllPasses() {
  registerTTTConversionPasses();
  registerTTTTransformsPasses();
  registerTTTPipelines();
}

void mlir::ttt::registerAllTranslations() { registerManifestTranslation(); }
