//===- InitAll.cpp - Register everything the TTT tools use ----------------===//

#include "ttt/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "ttt/Dialect/TTT/IR/TTTDialect.h"

void mlir::ttt::registerAllDialects(DialectRegistry &registry) {
  registry.insert<TTTDialect>();
}

void mlir::ttt::registerAllPasses() {}

void mlir::ttt::registerAllTranslations() {}
