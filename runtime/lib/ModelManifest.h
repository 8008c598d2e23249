//===- ModelManifest.h - Parse and validate model manifests -----*- C++ -*-===//
//
// A model manifest ("kind": "model", docs/MODEL.md) describes a whole
// language model: the packed f32 weight blob, the per-sequence state blob
// and the prefill/decode entries over one sequence. Everything the session
// code relies on (offsets inside the blobs, no overlaps, init sources,
// entry token counts, logits shapes) is checked here once.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_MODELMANIFEST_H
#define TTT_RUNTIME_LIB_MODELMANIFEST_H

#include "Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ttt::rt {

/// Largest weight or state blob, in elements (2^40 floats = 4 TiB).
constexpr int64_t kMaxBlobElems = int64_t(1) << 40;

/// A weight (in the weight blob) or a state (in the state blob).
struct BlobTensor {
  std::string name;
  std::vector<int64_t> shape;
  int64_t offset = 0; // elements
  int64_t elems = 0;
  /// States only: index in ModelManifest::weights to copy at reset, or -1
  /// for "zeros".
  int init = -1;
};

struct ModelEntry {
  bool decode = false; // role "decode" (else "prefill")
  std::string symbol;
  int64_t tokens = 0;
  /// logits_shape [tokens, V] (every position's) rather than [V].
  bool allLogits = false;
};

struct ModelManifest {
  std::string path;        // the manifest file, for messages
  std::string target;      // "cpu" or "cuda"
  std::string libraryPath; // resolved against the manifest's directory
  int64_t vocabSize = 0;
  int64_t miniBatch = 0; // mini_batch_size (BT)
  std::vector<BlobTensor> weights;
  int64_t weightsSize = 0;
  /// Names the weight file may also hold -> the weight they are tied to
  /// (index in `weights`).
  std::map<std::string, size_t> tied;
  std::vector<BlobTensor> states;
  int64_t statesSize = 0;
  /// Prefill entries, largest `tokens` first.
  std::vector<ModelEntry> prefills;
  ModelEntry decode;

  /// Index of weight `name`, or -1.
  int findWeight(const std::string &name) const;
  /// Index of state `name`, or -1.
  int findState(const std::string &name) const;
  /// Elements of the largest logits an entry writes ([V] or [tokens, V]).
  int64_t logitsElems() const;
};

/// Parses the JSON text of a model manifest read from `path`.
Error parseModelManifest(const std::string &text, const std::string &path,
                         ModelManifest &out);
/// Reads and parses the model manifest file at `path`.
Error loadModelManifest(const std::string &path, ModelManifest &out);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_MODELMANIFEST_H
