//===- TTTDialect.h - TTT dialect declaration -------------------*- C++ -*-===//

#ifndef TTT_DIALECT_TTT_IR_TTTDIALECT_H
#define TTT_DIALECT_TTT_IR_TTTDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "ttt/Dialect/TTT/IR/TTTOpsDialect.h.inc"
#include "ttt/Dialect/TTT/IR/TTTOpsEnums.h.inc"

#endif // TTT_DIALECT_TTT_IR_TTTDIALECT_H
