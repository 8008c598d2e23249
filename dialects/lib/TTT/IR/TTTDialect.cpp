//===- TTTDialect.cpp - TTT dialect registration --------------------------===//

#include "ttt/Dialect/TTT/IR/TTTDialect.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"

using namespace mlir;
using namespace mlir::ttt;

#include "ttt/Dialect/TTT/IR/TTTOpsDialect.cpp.inc"
#include "ttt/Dialect/TTT/IR/TTTOpsEnums.cpp.inc"

void TTTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ttt/Dialect/TTT/IR/TTTOps.cpp.inc"
      >();
}
