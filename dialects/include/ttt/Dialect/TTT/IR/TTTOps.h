//===- TTTOps.h - TTT dialect operations ------------------------*- C++ -*-===//

#ifndef TTT_DIALECT_TTT_IR_TTTOPS_H
#define TTT_DIALECT_TTT_IR_TTTOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "ttt/Dialect/TTT/IR/TTTDialect.h"
#include "ttt/Dialect/TTT/IR/TTTInterfaces.h"

#define GET_OP_CLASSES
#include "ttt/Dialect/TTT/IR/TTTOps.h.inc"

#endif // TTT_DIALECT_TTT_IR_TTTOPS_H
