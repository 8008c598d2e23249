//===- MmaContraction.h - Contractions on the tensor cores -----*- C++ -*-===//
//
// A linalg contraction C(m, n) += f(A-side values at (m, k)) * g(B-side
// values at (k, n)) inside a block-per-chain kernel, spread over the block's
// warps as m16n8k8 tf32 `nvgpu.mma.sync` tiles.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_CONVERSION_CHAINSTOGPU_MMACONTRACTION_H
#define TTT_CONVERSION_CHAINSTOGPU_MMACONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::ttt {

/// How contractions use the tensor cores.
enum class MmaPrecision {
  None,   // no tensor cores: every op over the threads
  TF32,   // one tf32 product (inputs rounded to 10 mantissa bits)
  TF32x3, // a = big + small: big*big + big*small + small*big (fp32 accuracy)
  BF16    // operands rounded to bf16, m16n8k16, f32 accumulators (fast mode)
};

std::optional<MmaPrecision> parseMmaPrecision(llvm::StringRef name);

/// Whether `op` can run as tensor-core tiles over `threads` threads: two
/// parallel dims (the output's rows m and columns n, in that order) and one
/// reduction dim k, static sizes with m % 16, n % 8 and k % 8 all zero,
/// memref operands, no input in the output's allocation, and a body that
/// yields `out + x` where x is a product of factors each reading only
/// (m, k) or only (k, n) (negations and selects against zero on one side
/// included).
/// With `precision` bf16 the reduction must be a multiple of 16.
bool canUseMma(linalg::GenericOp op, unsigned threads,
               MmaPrecision precision = MmaPrecision::TF32);

/// The warp tiles of `op` (which canUseMma accepted) at `threads` threads:
/// the widest that give threads / 32 / `minColumnTiles` warps a tile.
int64_t mmaWarpTiles(linalg::GenericOp op, unsigned threads,
                     int64_t minColumnTiles = 1);

/// How many warp tiles of `op` (which canUseMma accepted) at `threads`
/// threads read each A fragment: its warp tiles along n.
int64_t mmaTilesSharingA(linalg::GenericOp op, unsigned threads,
                         int64_t minColumnTiles = 1);

/// Replaces nothing: emits the tiles of `op` (which canUseMma accepted) at
/// the builder's insertion point. Warp tile i goes to warp (firstWarp + i)
/// mod warps (ops between two barriers start where the last one stopped,
/// so that their tiles spread over all warps); a warp tile is 16 rows by
/// several 8-column tiles that share the A fragments. Each iteration of a
/// tile's k loop takes `kUnroll` k-steps (0: a choice by the tile's width),
/// all their operand loads before the first product; the k-steps
/// alternate between `kChains` accumulator sets (at most the k-steps),
/// summed after the k loop. With `pairAccesses` (tf32 fragments and f32
/// accumulators), two adjacent elements are read or written by one 8-byte
/// access where the operands' layout allows (PairedAccess.h). Warp tiles
/// are the widest that give warps / `minColumnTiles` warps a tile (fewer
/// warps, each A fragment loaded and split once for more columns). With
/// `ldmatrix`, an A that is one f32 shared-memory operand read as is, in
/// aligned runs of 4 along k, loads each k-step's fragment with one
/// ldmatrix.x4.
void emitMmaContraction(OpBuilder &b, linalg::GenericOp op, Value tid,
                        unsigned threads, MmaPrecision precision,
                        int64_t firstWarp = 0, int64_t kUnroll = 1,
                        int64_t kChains = 1, bool pairAccesses = false,
                        int64_t minColumnTiles = 1, bool ldmatrix = false);

} // namespace mlir::ttt

#endif // TTT_CONVERSION_CHAINSTOGPU_MMACONTRACTION_H
