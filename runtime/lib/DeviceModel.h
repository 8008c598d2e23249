//===- DeviceModel.h - Models whose entries run on a device ------*- C++ -*-===//
//
// A cpu model's sessions call the entries on host buffers (Session.cpp). A
// model of target "cuda" (cuda/CudaModel.cpp) keeps its weight blob and
// every sequence's state blobs and logits in device memory, and its
// entries take device pointers; Session.cpp splits the spans and hands
// each sequence's steps to the DeviceSession.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_DEVICEMODEL_H
#define TTT_RUNTIME_LIB_DEVICEMODEL_H

#include "Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct ttt_model;

namespace ttt::rt {

/// `tokens` tokens from `offset` in a sequence's span: one prefill entry
/// call (`entry` indexes manifest.prefills), or decode steps (entry -1).
struct ModelStep {
  int entry;
  int64_t offset, tokens;
};

/// A session's sequences on the device.
class DeviceSession {
public:
  virtual ~DeviceSession() = default;
  /// Every sequence's states to their init values (from the weights on the
  /// device now).
  virtual Error reset() = 0;
  /// Runs the steps of sequence `seq` over its tokens `tok` (host memory)
  /// from position `p`; copies its last logits [V] to `logits` unless null.
  virtual Error run(int64_t seq, const int32_t *tok, int64_t p,
                    const std::vector<ModelStep> &steps, float *logits) = 0;
  /// Copies `elems` floats at `offset` of the sequence's state blob.
  virtual Error readState(int64_t seq, int64_t offset, int64_t elems,
                          float *out) = 0;
  virtual size_t deviceBytes() const = 0;
};

/// A model's device: the driver, the weight blob on it.
class DeviceModel {
public:
  virtual ~DeviceModel() = default;
  /// E.g. "CUDA device 0: NVIDIA H100 80GB HBM3 (sm_90, ...)".
  virtual std::string describe() const = 0;
  /// Copies the weight blob to the device; on failure the previous one
  /// stays.
  virtual Error uploadWeights(const std::vector<float> &blob) = 0;
  virtual bool hasWeights() const = 0;
  virtual Error createSession(int64_t batch,
                              std::unique_ptr<DeviceSession> &out) const = 0;
};

/// Target cuda, for a model whose library and entries are loaded: checks
/// that the library exports ttt_gpu_shim_take_error, then opens
/// `driverLibrary` (device 0, primary context). Errors name the manifest.
Error openCudaModel(const ttt_model &m, const std::string &driverLibrary,
                    std::unique_ptr<DeviceModel> &out);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_DEVICEMODEL_H
