//===- CPULoops.h - Loop choices shared by the CPU passes -------*- C++ -*-===//

#ifndef TTT_LIB_TRANSFORMS_CPU_CPULOOPS_H
#define TTT_LIB_TRANSFORMS_CPU_CPULOOPS_H

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace mlir::ttt {

/// The loop that is the last (contiguous) index of the most data (operands
/// weighted by their number of elements); ties go to the later loop. It is the
/// one to run innermost, or to vectorize along.
unsigned contiguousLoop(linalg::LinalgOp op);

/// The loops of `op` with `inner` last and, before it, the loops of kind
/// `first`, then those of the other kind (each in their original order).
SmallVector<unsigned> loopsWithInnermost(linalg::LinalgOp op, unsigned inner,
                                         utils::IteratorType first);

} // namespace mlir::ttt

#endif // TTT_LIB_TRANSFORMS_CPU_CPULOOPS_H
