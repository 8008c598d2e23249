//===- Manifest.h - Parse and validate artifact manifests -------*- C++ -*-===//
//
// The manifest (NAME.json) states the entry's parameters; everything the
// runtime later relies on (ranks, static dims, state pairs) is checked here
// once, so the call path only compares shapes.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_MANIFEST_H
#define TTT_RUNTIME_LIB_MANIFEST_H

#include "Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ttt::rt {

/// Most parameters (args + results) an entry may have: the call goes
/// through an exact-arity function pointer cast, generated up to this.
constexpr size_t kMaxEntryParams = 32;

/// One parameter of the entry (an argument or a result).
struct ParamSpec {
  std::string name;
  ttt_role role = TTT_ROLE_SEQUENCE; // results: TTT_ROLE_OUTPUT or STATE
  ttt_dtype dtype = TTT_DTYPE_F32;
  std::vector<int64_t> shape; // -1 = dynamic
  int pair = -1; // state arg: its result index; state result: its arg index
};

struct Manifest {
  std::string path;        // the manifest file, for messages
  std::string libraryPath; // cpu: resolved against the manifest's directory
  std::string entry;       // cpu: the entry symbol
  std::string target;      // "cpu" or "cuda"
  /// cuda: the module (PTX text or cubin) resolved like libraryPath, the
  /// kernel's name and its launch shape.
  std::string modulePath;
  std::string kernel;
  std::vector<int64_t> grid; // empty: one block per chain ("chains")
  int64_t block[3] = {1, 1, 1};
  int64_t sharedBytes = 0; // dynamic shared memory per block
  /// With "grid": "chains", blocks per chain (grid y): the blocks of one
  /// cluster the kernel was compiled for (.reqnctapercluster 1, n, 1).
  int64_t blocksPerChain = 1;
  /// cuda, optional: kernels of one cluster of blocks per chain
  /// (ttt-compile --gpu-cluster auto), most blocks per chain first; the
  /// first whose chains x blocks per chain fit the device's
  /// multiprocessors is launched (clusterFor), else the main kernel.
  struct ClusterKernel {
    std::string modulePath, kernel;
    int64_t block[3] = {1, 1, 1};
    int64_t sharedBytes = 0;
    int64_t blocksPerChain = 2;
  };
  std::vector<ClusterKernel> clusters;
  int64_t chunkSize = 0;
  int32_t chainRank = 0;
  std::vector<ParamSpec> args;
  std::vector<ParamSpec> results;
  /// Static chain dims (-1 where dynamic), agreed on by every chain array.
  std::vector<int64_t> chainDims;
};

/// Parses the JSON text of a manifest read from `path`.
Error parseManifest(const std::string &text, const std::string &path,
                    Manifest &out);
/// Reads and parses the manifest file at `path`.
Error loadManifest(const std::string &path, Manifest &out);

/// The index in `clusters` (most blocks per chain first) of the cluster
/// kernel to launch for `chains` chains on `multiprocessors` SMs: the
/// first whose blocks all fit at once; -1 where none does (the main
/// kernel).
int clusterFor(const std::vector<Manifest::ClusterKernel> &clusters,
               int64_t chains, int64_t multiprocessors);

/// The whole text of the manifest file at `path` (TTT_ERROR_IO naming it
/// when it cannot be opened or read); layer and model manifests alike.
Error readManifestFile(const std::string &path, std::string &text);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_MANIFEST_H
