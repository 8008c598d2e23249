//===- Manifest.cpp - Describe a TTT graph's entry for the runtime --------===//
//
// Reads the roles of the entry function's arguments and results off its
// ttt.scan: scan `init` operands are fast-weight state (paired with the
// scan result returned for them), `params` per-chain constants, `over`
// token sequences; any other argument is shared by all chains. The output
// is the version-1 manifest of docs/RUNTIME.md.
//
//===----------------------------------------------------------------------===//

#include "ttt/Target/Manifest.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "ttt/Dialect/TTT/IR/TTTOps.h"
#include "ttt/InitAll.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::ttt;

namespace {

llvm::cl::opt<std::string> libraryName(
    "ttt-manifest-library",
    llvm::cl::desc("Shared library the manifest names (relative to it)"),
    llvm::cl::init("model.so"));
llvm::cl::opt<std::string> entryFunction(
    "ttt-manifest-entry",
    llvm::cl::desc("Entry function (default: the only one with a ttt.scan)"),
    llvm::cl::init(""));
llvm::cl::opt<std::string> manifestTarget(
    "ttt-manifest-target",
    llvm::cl::desc("Artifact target: cpu (library + entry) or cuda (module + "
                   "kernel + launch)"),
    llvm::cl::init("cpu"));
llvm::cl::opt<std::string>
    moduleName("ttt-manifest-module",
               llvm::cl::desc("cuda: the PTX/cubin module the manifest names"),
               llvm::cl::init("model.ptx"));
llvm::cl::opt<unsigned> blockThreads(
    "ttt-manifest-block",
    llvm::cl::desc("cuda: threads per block (the kernel's known_block_size, "
                   "--ttt-to-nvvm's threads)"),
    llvm::cl::init(256));
llvm::cl::opt<int64_t> sharedBytes(
    "ttt-manifest-shared-bytes",
    llvm::cl::desc("cuda: dynamic shared memory per block (the kernel's "
                   "ttt.shared_bytes)"),
    llvm::cl::init(0));
llvm::cl::opt<unsigned> blocksPerChain(
    "ttt-manifest-blocks-per-chain",
    llvm::cl::desc("cuda: blocks of one cluster per chain (the kernel's "
                   "known_cluster_size y, --ttt-to-nvvm's cluster-groups; "
                   "1 to 8): the grid is chains x this"),
    llvm::cl::init(1));

// One value per cluster kernel, in the order of the modules (most blocks
// per chain first); a list shorter than the modules' ends in defaults.
llvm::cl::list<std::string> clusterModules(
    "ttt-manifest-cluster-module",
    llvm::cl::desc("cuda: a module whose kernel (named like the entry) runs "
                   "a cluster of blocks per chain, launched where they fit "
                   "the device (launch.cluster; repeat for several, most "
                   "blocks per chain first: the first that fits is "
                   "launched)"));
llvm::cl::list<unsigned> clusterBlocks(
    "ttt-manifest-cluster-block",
    llvm::cl::desc("cuda: threads per block of each cluster kernel "
                   "(default 256)"));
llvm::cl::list<int64_t> clusterSharedBytes(
    "ttt-manifest-cluster-shared-bytes",
    llvm::cl::desc("cuda: dynamic shared memory per block of each cluster "
                   "kernel (default 0)"));
llvm::cl::list<unsigned> clusterBlocksPerChain(
    "ttt-manifest-cluster-blocks-per-chain",
    llvm::cl::desc("cuda: blocks per chain of each cluster kernel (2 to 8, "
                   "fewer than the one before; default 2)"));

FailureOr<std::string> dtypeName(Operation *at, Type t) {
  Type elt = cast<ShapedType>(t).getElementType();
  if (elt.isF32())
    return std::string("f32");
  if (elt.isF64())
    return std::string("f64");
  if (elt.isBF16())
    return std::string("bf16");
  return at->emitError("manifest: unsupported element type ") << elt, failure();
}

llvm::json::Array shapeOf(Type t) {
  llvm::json::Array shape;
  for (int64_t d : cast<ShapedType>(t).getShape())
    shape.push_back(ShapedType::isDynamic(d) ? int64_t(-1) : d);
  return shape;
}

std::string nameOf(func::FuncOp f, unsigned i, bool result) {
  auto attr = result ? f.getResultAttrOfType<StringAttr>(i, "ttt.name")
                     : f.getArgAttrOfType<StringAttr>(i, "ttt.name");
  if (attr)
    return attr.str();
  return (result ? "result" : "arg") + std::to_string(i);
}

LogicalResult writeManifest(ModuleOp module, raw_ostream &os) {
  // The entry: the named function, or the only function holding a scan.
  func::FuncOp entry;
  ScanOp scan;
  for (auto f : module.getOps<func::FuncOp>()) {
    if (!entryFunction.empty() && f.getSymName() != entryFunction)
      continue;
    SmallVector<ScanOp> scans;
    f.walk([&](ScanOp s) { scans.push_back(s); });
    if (scans.empty())
      continue;
    if (entry)
      return module.emitError("manifest: several functions hold a ttt.scan; "
                              "choose one with --ttt-manifest-entry");
    if (scans.size() != 1)
      return f.emitError("manifest: the entry must hold exactly one ttt.scan");
    entry = f;
    scan = scans.front();
  }
  if (!entry)
    return module.emitError("manifest: no function holding a ttt.scan")
           << (entryFunction.empty() ? "" : " named '" + entryFunction + "'");

  unsigned chainRank = scan.getBatchRank();
  llvm::json::Array args, results;
  DenseMap<Value, unsigned> argIndex;
  for (BlockArgument a : entry.getArguments())
    argIndex[a] = a.getArgNumber();

  auto returnOp = cast<func::ReturnOp>(entry.getBody().back().getTerminator());
  for (BlockArgument a : entry.getArguments()) {
    std::string kind = "shared";
    std::optional<unsigned> pairedResult;
    for (auto [i, init] : llvm::enumerate(scan.getInits()))
      if (init == a) {
        kind = "state";
        for (auto [j, r] : llvm::enumerate(returnOp.getOperands()))
          if (r == scan.getFinalStates()[i])
            pairedResult = j;
        if (!pairedResult)
          return entry.emitError("manifest: the final state of argument ")
                 << a.getArgNumber() << " is not returned";
      }
    if (llvm::is_contained(scan.getParams(), a))
      kind = "param";
    if (llvm::is_contained(scan.getSequences(), a))
      kind = "sequence";
    FailureOr<std::string> dtype = dtypeName(entry, a.getType());
    if (failed(dtype))
      return failure();
    llvm::json::Object o{{"name", nameOf(entry, a.getArgNumber(), false)},
                         {"kind", kind},
                         {"dtype", *dtype},
                         {"shape", shapeOf(a.getType())}};
    if (pairedResult)
      o["result"] = int64_t(*pairedResult);
    args.push_back(std::move(o));
  }

  for (auto [j, r] : llvm::enumerate(returnOp.getOperands())) {
    std::string kind;
    std::optional<unsigned> pairedArg;
    for (auto [i, s] : llvm::enumerate(scan.getFinalStates()))
      if (s == r) {
        kind = "state";
        auto it = argIndex.find(scan.getInits()[i]);
        if (it == argIndex.end())
          return entry.emitError("manifest: result ")
                 << j << " is a final state whose initial value is not an "
                 << "argument of the entry";
        pairedArg = it->second;
      }
    if (llvm::is_contained(scan.getOutputs(), r))
      kind = "sequence";
    if (kind.empty())
      return entry.emitError("manifest: result ")
             << j << " is neither a final state nor a scan output";
    FailureOr<std::string> dtype = dtypeName(entry, r.getType());
    if (failed(dtype))
      return failure();
    llvm::json::Object o{{"name", nameOf(entry, j, true)},
                         {"kind", kind},
                         {"dtype", *dtype},
                         {"shape", shapeOf(r.getType())}};
    if (pairedArg)
      o["arg"] = int64_t(*pairedArg);
    results.push_back(std::move(o));
  }

  llvm::json::Object manifest{{"format", "ttt-artifact"}, {"version", 1}};
  if (manifestTarget == "cpu") {
    manifest["target"] = "cpu";
    manifest["library"] = libraryName.getValue();
    manifest["entry"] = ("_mlir_ciface_" + entry.getSymName()).str();
  } else if (manifestTarget == "cuda") {
    // --ttt-to-nvvm: kernel named like the entry, one block of
    // `blockThreads` threads per chain, temporaries in `sharedBytes` of
    // dynamic shared memory (ttt-compile reads both off the kernel).
    if (blockThreads < 1 || blockThreads > 1024)
      return module.emitError("manifest: --ttt-manifest-block must be in "
                              "[1, 1024]");
    if (sharedBytes < 0 || sharedBytes > (int64_t(1) << 20))
      return module.emitError("manifest: --ttt-manifest-shared-bytes must be "
                              "in [0, 2^20]");
    if (blocksPerChain < 1 || blocksPerChain > 8)
      return module.emitError("manifest: --ttt-manifest-blocks-per-chain "
                              "must be in [1, 8]");
    manifest["target"] = "cuda";
    manifest["module"] = moduleName.getValue();
    manifest["kernel"] = entry.getSymName().str();
    llvm::json::Object launch{
        {"grid", "chains"},
        {"block", llvm::json::Array{int64_t(blockThreads.getValue()), 1, 1}},
        {"shared_bytes", sharedBytes.getValue()}};
    if (blocksPerChain > 1)
      launch["blocks_per_chain"] = int64_t(blocksPerChain.getValue());
    llvm::json::Array clusters;
    unsigned before = 9; // the blocks per chain of the kernel before
    for (size_t i = 0; i < clusterModules.size(); ++i) {
      auto nth = [&](auto &list, auto dflt) {
        return i < list.size() ? list[i] : dflt;
      };
      unsigned per = nth(clusterBlocksPerChain, 2u);
      unsigned threads = nth(clusterBlocks, 256u);
      int64_t bytes = nth(clusterSharedBytes, int64_t(0));
      if (per < 2 || per > 8 || threads < 1 || threads > 1024 || bytes < 0 ||
          bytes > (int64_t(1) << 20) || blocksPerChain > 1 ||
          clusterModules[i].empty())
        return module.emitError(
            "manifest: a cluster kernel needs a module, 2 to 8 blocks per "
            "chain, 1 to 1024 threads, 0 to 2^20 shared bytes, and a main "
            "kernel of one block per chain");
      if (per >= before)
        return module.emitError("manifest: each cluster kernel needs fewer "
                                "blocks per chain than the one before");
      before = per;
      clusters.push_back(llvm::json::Object{
          {"module", clusterModules[i]},
          {"kernel", entry.getSymName().str()},
          {"block", llvm::json::Array{int64_t(threads), 1, 1}},
          {"shared_bytes", bytes},
          {"blocks_per_chain", int64_t(per)}});
    }
    // One kernel as an object (the form older runtimes read), several as
    // an array.
    if (clusters.size() == 1)
      launch["cluster"] = std::move(clusters.front());
    else if (!clusters.empty())
      launch["cluster"] = std::move(clusters);
    manifest["launch"] = std::move(launch);
  } else {
    return module.emitError("manifest: unknown target '")
           << manifestTarget << "' (cpu or cuda)";
  }
  manifest.insert({"chunk_size", int64_t(scan.getChunkSize())});
  llvm::json::Object rest{{"chain_rank", int64_t(chainRank)},
                          {"args", std::move(args)},
                          {"results", std::move(results)}};
  for (auto &kv : rest)
    manifest.insert({kv.first, std::move(kv.second)});
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  return success();
}

/// The object of the module's only gpu.binary (PTX text with format=isa,
/// a cubin with format=bin), written as it is.
LogicalResult writeGPUObject(ModuleOp module, raw_ostream &os) {
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() != 1 || binaries.front().getObjects().size() != 1)
    return module.emitError("ttt-gpu-object: expected one gpu.binary with "
                            "one object (run gpu-module-to-binary)");
  auto object = cast<gpu::ObjectAttr>(binaries.front().getObjects()[0]);
  os << object.getObject().getValue();
  return success();
}

} // namespace

void mlir::ttt::registerManifestTranslation() {
  TranslateFromMLIRRegistration gpuObject(
      "ttt-gpu-object",
      "Write the PTX or cubin of a module's gpu.binary (for cuda artifacts)",
      writeGPUObject, [](DialectRegistry &registry) {
        mlir::registerAllDialects(registry);
        mlir::registerAllExtensions(registry);
      });
  TranslateFromMLIRRegistration registration(
      "ttt-manifest",
      "Write the artifact manifest (JSON) of a TTT graph's entry function",
      writeManifest, [](DialectRegistry &registry) {
        mlir::registerAllDialects(registry);
        mlir::ttt::registerAllDialects(registry);
      });
}
