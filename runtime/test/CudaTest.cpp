//===- CudaTest.cpp - CUDA artifacts: validation, no-device, GPU smoke ----===//
//
// Manifest validation of the cuda fields and the no-driver/no-device errors
// run everywhere. The GPU tests load the cuda toy artifact (the PTX test
// double kernels/ToyKernel.cu, same recurrence as kernels/ToyKernel.cpp)
// and are skipped when no device is found; there they must equal the CPU
// toy bitwise for every split of the sequence.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"
#include "ToyHelpers.h"
#include "cuda/CudaDriver.h"

#include <cstdio>
#include <sys/stat.h>

using namespace toy;
using ttt::rt::cuda::CudaDriver;

namespace {

/// Whether this machine has a CUDA driver and a device.
bool haveDevice() {
  std::unique_ptr<CudaDriver> d;
  return !CudaDriver::open(d);
}

/// The cuda toy manifest with an absolute module path, to write anywhere.
std::string cudaManifestText() {
  std::string dir = TTT_TOY_CUDA_MANIFEST;
  dir = dir.substr(0, dir.rfind('/') + 1);
  return replaced(readText(TTT_TOY_CUDA_MANIFEST), "\"toy_kernel.ptx\"",
                  "\"" + dir + "toy_kernel.ptx\"");
}

std::string variant(const std::string &name, const std::string &from,
                    const std::string &to) {
  return writeManifest("cuda_" + name, replaced(cudaManifestText(), from, to));
}

struct Loaded {
  ttt_artifact *a = nullptr;
  ttt_status status;
  ttt_error err{};
  explicit Loaded(const std::string &path) {
    status = ttt_artifact_load(path.c_str(), &a, &err);
  }
  ~Loaded() { ttt_artifact_free(a); }
};

TEST(CudaDevice, ProbeCpuAndUnknown) {
  char info[256];
  ttt_error err{};
  EXPECT_EQ(ttt_device_probe("cpu", info, sizeof(info), &err), TTT_OK);
  EXPECT_STREQ(info, "cpu");
  EXPECT_EQ(ttt_device_probe("tpu", info, sizeof(info), &err),
            TTT_ERROR_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("unknown device"), std::string::npos);
  EXPECT_EQ(ttt_device_probe(nullptr, info, sizeof(info), &err),
            TTT_ERROR_ARGUMENT);
}

TEST(CudaDevice, MissingDriverLibraryIsNoDevice) {
  std::unique_ptr<CudaDriver> d;
  ttt::rt::Error e = CudaDriver::open(d, "libttt_no_such_cuda.so.1");
  EXPECT_EQ(e.code, TTT_ERROR_NO_DEVICE);
  EXPECT_EQ(e.message, "no CUDA driver (libttt_no_such_cuda.so.1 not found)");
  EXPECT_EQ(d, nullptr);
}

TEST(CudaDevice, WithoutADeviceLoadAndProbeSayNoDevice) {
  if (haveDevice())
    GTEST_SKIP() << "a CUDA device is present";
  char info[256];
  ttt_error err{};
  EXPECT_EQ(ttt_device_probe("cuda", info, sizeof(info), &err),
            TTT_ERROR_NO_DEVICE);
  EXPECT_NE(std::string(err.message).find("no "), std::string::npos)
      << err.message;
  EXPECT_NE(std::string(err.message).find("CUDA"), std::string::npos)
      << err.message;
  Loaded l(TTT_TOY_CUDA_MANIFEST);
  EXPECT_EQ(l.status, TTT_ERROR_NO_DEVICE) << l.err.message;
  EXPECT_EQ(l.a, nullptr);
  std::string msg = l.err.message;
  EXPECT_NE(msg.find(TTT_TOY_CUDA_MANIFEST), std::string::npos) << msg;
  EXPECT_TRUE(msg.find("no CUDA driver (libcuda.so.1 not found)") !=
                  std::string::npos ||
              msg.find("no CUDA device") != std::string::npos ||
              msg.find("no usable CUDA driver") != std::string::npos)
      << msg;
}

TEST(CudaDevice, StubDriverIsNoDeviceNotACrash) {
  // The toolkit's link stub answers every call with an error.
  const char *stubs[] = {"/usr/local/cuda/lib64/stubs/libcuda.so",
                         "/usr/local/cuda/targets/x86_64-linux/lib/stubs/"
                         "libcuda.so"};
  const char *stub = nullptr;
  struct stat st;
  for (const char *p : stubs)
    if (!stub && stat(p, &st) == 0)
      stub = p;
  if (!stub || haveDevice())
    GTEST_SKIP() << "no CUDA stub library, or a real driver is loaded";
  std::unique_ptr<CudaDriver> d;
  ttt::rt::Error e = CudaDriver::open(d, stub);
  EXPECT_EQ(e.code, TTT_ERROR_NO_DEVICE) << e.message;
  EXPECT_NE(e.message.find("cuInit"), std::string::npos) << e.message;
  EXPECT_EQ(d, nullptr);
}

// --- Manifest validation: all of it happens before the driver is opened.

struct BadCuda {
  const char *name;
  std::string (*make)();
  ttt_status code;
  const char *needle;
};

std::string launchLine() {
  return "\"launch\": {\"grid\": \"chains\", \"block\": [32, 1, 1], "
         "\"shared_bytes\": 0}";
}

std::string withLaunch(const char *name, const std::string &launch) {
  return variant(name, launchLine(), launch);
}

/// A launch of one block of 32 threads per chain with `fields` added.
std::string withChainsLaunch(const char *name, const std::string &fields) {
  return withLaunch(name, "\"launch\": {\"grid\": \"chains\", "
                          "\"block\": [32], " +
                              fields + "}");
}

const BadCuda kBad[] = {
    {"MissingModule",
     [] { return variant("nomod", "\"module\":", "\"modulex\":"); },
     TTT_ERROR_FORMAT, "missing string \"module\""},
    {"MissingKernel",
     [] { return variant("nokern", "\"kernel\":", "\"kernelx\":"); },
     TTT_ERROR_FORMAT, "missing string \"kernel\""},
    {"MissingLaunch", [] { return withLaunch("nolaunch", "\"launchx\": {}"); },
     TTT_ERROR_FORMAT, "missing object \"launch\""},
    {"GridNotChains",
     [] {
       return withLaunch("gridstr",
                         "\"launch\": {\"grid\": \"heads\", \"block\": [32]}");
     },
     TTT_ERROR_FORMAT, "\"grid\" must be \"chains\" or [x, y, z]"},
    {"GridZero",
     [] {
       return withLaunch("grid0",
                         "\"launch\": {\"grid\": [4, 0], \"block\": [32]}");
     },
     TTT_ERROR_FORMAT, "\"grid\" dim 1 must be an integer in [1, 65535]"},
    {"MissingGrid",
     [] { return withLaunch("nogrid", "\"launch\": {\"block\": [32]}"); },
     TTT_ERROR_FORMAT, "missing \"grid\""},
    {"MissingBlock",
     [] { return withLaunch("noblock", "\"launch\": {\"grid\": \"chains\"}"); },
     TTT_ERROR_FORMAT, "missing \"block\""},
    {"BlockFourDims",
     [] {
       return withLaunch(
           "block4",
           "\"launch\": {\"grid\": \"chains\", \"block\": [1,1,1,1]}");
     },
     TTT_ERROR_FORMAT, "\"block\" must be an array of 1 to 3 integers"},
    {"BlockNotInts",
     [] {
       return withLaunch(
           "blockf", "\"launch\": {\"grid\": \"chains\", \"block\": [32.5]}");
     },
     TTT_ERROR_FORMAT, "\"block\" dim 0 must be an integer"},
    {"BlockTooManyThreads",
     [] {
       return withLaunch(
           "blockbig",
           "\"launch\": {\"grid\": \"chains\", \"block\": [1024, 2]}");
     },
     TTT_ERROR_FORMAT, "a block of 2048 threads; at most 1024"},
    {"BlockZTooLarge",
     [] {
       return withLaunch(
           "blockz",
           "\"launch\": {\"grid\": \"chains\", \"block\": [1, 1, 65]}");
     },
     TTT_ERROR_FORMAT, "\"block\" dim 2 must be an integer in [1, 64]"},
    {"SharedNegative",
     [] { return withChainsLaunch("shneg", "\"shared_bytes\": -1"); },
     TTT_ERROR_FORMAT, "\"shared_bytes\" must be an integer in [0, 2^20]"},
    {"BlocksPerChainZero",
     [] { return withChainsLaunch("bpc0", "\"blocks_per_chain\": 0"); },
     TTT_ERROR_FORMAT, "\"blocks_per_chain\" must be an integer in [1, 8]"},
    {"BlocksPerChainNine",
     [] { return withChainsLaunch("bpc9", "\"blocks_per_chain\": 9"); },
     TTT_ERROR_FORMAT, "\"blocks_per_chain\" must be an integer in [1, 8]"},
    {"BlocksPerChainFixedGrid",
     [] {
       return withLaunch("bpcgrid",
                         "\"launch\": {\"grid\": [4], "
                         "\"block\": [32], \"blocks_per_chain\": 2}");
     },
     TTT_ERROR_FORMAT, "\"blocks_per_chain\" needs \"grid\": \"chains\""},
    {"ClusterNotObject",
     [] { return withChainsLaunch("clobj", "\"cluster\": 2"); },
     TTT_ERROR_FORMAT, "launch: \"cluster\": must be an object"},
    {"ClusterArrayOfNonObjects",
     [] { return withChainsLaunch("clarr", "\"cluster\": [2]"); },
     TTT_ERROR_FORMAT, "launch: \"cluster\"[0]: must be an object"},
    {"ClusterEmptyArray",
     [] { return withChainsLaunch("clempty", "\"cluster\": []"); },
     TTT_ERROR_FORMAT, "launch: \"cluster\": an array must hold 1 to 4"},
    {"ClusterArrayOrder",
     [] {
       return withChainsLaunch(
           "clorder",
           "\"cluster\": [{\"module\": \"k.ptx\", \"kernel\": \"k\", "
           "\"block\": [256], \"shared_bytes\": 0, \"blocks_per_chain\": 2}, "
           "{\"module\": \"k2.ptx\", \"kernel\": \"k\", \"block\": [256], "
           "\"shared_bytes\": 0, \"blocks_per_chain\": 4}]");
     },
     TTT_ERROR_FORMAT,
     "each kernel must have fewer \"blocks_per_chain\" than the one before"},
    {"ClusterArrayElement",
     [] {
       return withChainsLaunch(
           "clelem",
           "\"cluster\": [{\"module\": \"k.ptx\", \"kernel\": \"k\", "
           "\"block\": [256], \"shared_bytes\": 0, \"blocks_per_chain\": 4}, "
           "{\"kernel\": \"k\"}]");
     },
     TTT_ERROR_FORMAT, "launch: \"cluster\"[1]: missing string \"module\""},
    {"ClusterNoModule",
     [] {
       return withChainsLaunch("clmod", "\"cluster\": "
                                        "{\"kernel\": \"k\"}");
     },
     TTT_ERROR_FORMAT, "launch: \"cluster\": missing string \"module\""},
    {"ClusterModuleExtension",
     [] {
       return withChainsLaunch("clext", "\"cluster\": "
                                        "{\"module\": \"k.so\", \"kernel\": "
                                        "\"k\"}");
     },
     TTT_ERROR_FORMAT, "\"module\" must be a .ptx or .cubin file"},
    {"ClusterOneBlock",
     [] {
       return withChainsLaunch(
           "clone", "\"cluster\": {\"module\": \"k.ptx\", \"kernel\": "
                    "\"k\", \"block\": [256], \"shared_bytes\": 0, "
                    "\"blocks_per_chain\": 1}");
     },
     TTT_ERROR_FORMAT, "\"blocks_per_chain\" must be an integer in [2, 8]"},
    {"ClusterUnknownField",
     [] {
       return withChainsLaunch(
           "clfield", "\"cluster\": {\"module\": \"k.ptx\", \"grid\": 2}");
     },
     TTT_ERROR_FORMAT, "launch: \"cluster\": unknown field \"grid\""},
    {"UnknownLaunchField",
     [] { return withChainsLaunch("lfield", "\"clusters\": [2]"); },
     TTT_ERROR_FORMAT, "launch: unknown field \"clusters\""},
    {"ModuleExtension",
     [] { return variant("modext", "toy_kernel.ptx\"", "toy_kernel.so\""); },
     TTT_ERROR_FORMAT, "must be a .ptx, .cubin or .fatbin file"},
    {"DynamicFeatureDimOfAState",
     [] {
       return variant("dyn",
                      "\"ln_w\", \"kind\": \"param\",   \"dtype\": \"f32\", "
                      "\"shape\": [-1, -1, 3]",
                      "\"ln_w\", \"kind\": \"param\",   \"dtype\": \"f32\", "
                      "\"shape\": [-1, -1, -1]");
     },
     TTT_ERROR_UNSUPPORTED, "\"ln_w\": dim 2 is dynamic"},
    {"TargetGpu",
     [] {
       return variant("gpu", "\"target\": \"cuda\"", "\"target\": \"gpu\"");
     },
     TTT_ERROR_UNSUPPORTED, "target \"gpu\" is not supported"},
    {"ModuleMissing",
     [] {
       return variant("modmissing", "toy_kernel.ptx\"", "no_such_kernel.ptx\"");
     },
     TTT_ERROR_LIBRARY, "no_such_kernel.ptx not found"},
    {"ModuleEmpty",
     [] {
       std::string p = tempPath("empty_kernel.ptx");
       writeText(p, "");
       return writeManifest("cuda_modempty",
                            replaced(readText(TTT_TOY_CUDA_MANIFEST),
                                     "\"toy_kernel.ptx\"", "\"" + p + "\""));
     },
     TTT_ERROR_LIBRARY, "is empty"},
    {"ModuleNotPtx",
     [] {
       std::string p = tempPath("garbage_kernel.ptx");
       writeText(p, "this is not ptx");
       return writeManifest("cuda_modgarbage",
                            replaced(readText(TTT_TOY_CUDA_MANIFEST),
                                     "\"toy_kernel.ptx\"", "\"" + p + "\""));
     },
     TTT_ERROR_LIBRARY, "is not PTX text"},
    {"CubinNotElf",
     [] {
       std::string p = tempPath("garbage_kernel.cubin");
       writeText(p, "garbage");
       return writeManifest("cuda_cubingarbage",
                            replaced(readText(TTT_TOY_CUDA_MANIFEST),
                                     "\"toy_kernel.ptx\"", "\"" + p + "\""));
     },
     TTT_ERROR_LIBRARY, "is not a cubin"},
};

class CudaManifest : public ::testing::TestWithParam<BadCuda> {};

TEST_P(CudaManifest, FailsBeforeTheDriver) {
  const BadCuda &b = GetParam();
  std::string path = b.make();
  Loaded l(path);
  EXPECT_EQ(l.status, b.code)
      << ttt_status_name(l.status) << ": " << l.err.message;
  EXPECT_EQ(l.a, nullptr);
  std::string msg = l.err.message;
  EXPECT_NE(msg.find(b.needle), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind(path, 0), 0u) << "message names the file: " << msg;
}

INSTANTIATE_TEST_SUITE_P(Bad, CudaManifest, ::testing::ValuesIn(kBad),
                         [](const auto &info) {
                           return std::string(info.param.name);
                         });

TEST(CudaManifestOk, ExplicitGridParsesAndMissingTrailingDimsAreOne) {
  // Valid JSON: without a device it fails at the driver, not the manifest.
  std::string path = withLaunch(
      "gridok", "\"launch\": {\"grid\": [4, 2], \"block\": [32, 2]}");
  Loaded l(path);
  if (l.status == TTT_OK)
    return; // a device: loaded
  EXPECT_EQ(l.status, TTT_ERROR_NO_DEVICE) << l.err.message;
}

TEST(CudaManifestOk, ClusterKernelsParseMostBlocksFirst) {
  std::string text = replaced(
      cudaManifestText(), launchLine(),
      "\"launch\": {\"grid\": \"chains\", \"block\": [32], "
      "\"cluster\": [{\"module\": \"k4.cubin\", \"kernel\": \"k\", "
      "\"block\": [256], \"shared_bytes\": 1024, \"blocks_per_chain\": 4}, "
      "{\"module\": \"k2.ptx\", \"kernel\": \"k\", \"block\": [128], "
      "\"shared_bytes\": 0, \"blocks_per_chain\": 2}]}");
  ttt::rt::Manifest m;
  ttt::rt::Error e = ttt::rt::parseManifest(text, "/tmp/x/cl.json", m);
  ASSERT_FALSE(e) << e.message;
  ASSERT_EQ(m.clusters.size(), 2u);
  EXPECT_EQ(m.clusters[0].blocksPerChain, 4);
  EXPECT_EQ(m.clusters[0].sharedBytes, 1024);
  EXPECT_EQ(m.clusters[0].modulePath, "/tmp/x/k4.cubin");
  EXPECT_EQ(m.clusters[1].blocksPerChain, 2);
  EXPECT_EQ(m.clusters[1].block[0], 128);
  // The object form: one kernel.
  text = replaced(cudaManifestText(), launchLine(),
                  "\"launch\": {\"grid\": \"chains\", \"block\": [32], "
                  "\"cluster\": {\"module\": \"k.ptx\", \"kernel\": "
                  "\"k\", \"block\": [256], \"shared_bytes\": 0, "
                  "\"blocks_per_chain\": 2}}");
  e = ttt::rt::parseManifest(text, "/tmp/x/cl.json", m);
  ASSERT_FALSE(e) << e.message;
  ASSERT_EQ(m.clusters.size(), 1u);
  EXPECT_EQ(m.clusters[0].blocksPerChain, 2);
}

TEST(CudaManifestOk, ClusterForTakesTheMostBlocksThatFit) {
  std::vector<ttt::rt::Manifest::ClusterKernel> ks(2);
  ks[0].blocksPerChain = 4;
  ks[1].blocksPerChain = 2;
  // 132 SMs: 33 chains x 4 fit, 34 take the two-block kernel up to 66.
  EXPECT_EQ(ttt::rt::clusterFor(ks, 1, 132), 0);
  EXPECT_EQ(ttt::rt::clusterFor(ks, 33, 132), 0);
  EXPECT_EQ(ttt::rt::clusterFor(ks, 34, 132), 1);
  EXPECT_EQ(ttt::rt::clusterFor(ks, 66, 132), 1);
  EXPECT_EQ(ttt::rt::clusterFor(ks, 67, 132), -1);
  EXPECT_EQ(ttt::rt::clusterFor({}, 1, 132), -1);
}

// --- On a GPU: the toy through both backends.

struct Art {
  ttt_artifact *a = nullptr;
  ~Art() { ttt_artifact_free(a); }
};

struct State {
  ttt_state *s = nullptr;
  ~State() { ttt_state_free(s); }
};

void makeState(const ttt_artifact *a, Data &d, State &out) {
  int64_t chains[2] = {d.B, d.H};
  ttt_tensor st = d.s0.t(), pa = d.g.t(), sh = d.tok.t();
  ttt_state_config c{chains, &st, 1, &pa, 1, &sh, 1, 1};
  ttt_error err{};
  ASSERT_EQ(ttt_state_create(a, &c, &out.s, &err), TTT_OK) << err.message;
}

class CudaGpu : public ::testing::Test {
protected:
  void SetUp() override {
    ttt_error err{};
    ttt_status st = ttt_artifact_load(TTT_TOY_CUDA_MANIFEST, &gpu.a, &err);
    if (st == TTT_ERROR_NO_DEVICE)
      GTEST_SKIP() << "no CUDA device: " << err.message;
    ASSERT_EQ(st, TTT_OK) << err.message;
    ASSERT_EQ(ttt_artifact_load(TTT_TOY_MANIFEST, &cpu.a, &err), TTT_OK)
        << err.message;
    char info[256];
    if (ttt_device_probe("cuda", info, sizeof(info), &err) == TTT_OK)
      std::printf("[ device   ] %s\n", info);
  }
  Art gpu, cpu;
};

TEST_F(CudaGpu, OnePrefillMatchesTheOracleAndTheCpu) {
  EXPECT_STREQ(ttt_artifact_target(gpu.a), "cuda");
  Data d(2, 3, 50);
  State g, c;
  makeState(gpu.a, d, g);
  makeState(cpu.a, d, c);
  std::vector<float> go, gw, co, cw, ro, rw;
  stream(g.s, d, {d.T}, go, gw);
  stream(c.s, d, {d.T}, co, cw);
  reference(d, ro, rw);
  for (size_t i = 0; i < ro.size(); ++i)
    ASSERT_FLOAT_EQ(go[i], ro[i]) << i;
  for (size_t i = 0; i < rw.size(); ++i)
    ASSERT_FLOAT_EQ(gw[i], rw[i]) << i;
  EXPECT_EQ(go, co); // bitwise: same operations in the same order
  EXPECT_EQ(gw, cw);
}

class CudaSplits : public CudaGpu,
                   public ::testing::WithParamInterface<std::vector<int64_t>> {
};

TEST_P(CudaSplits, EqualOnePrefillAndTheCpu) {
  Data d(2, 2, 203, 7);
  State one, split, c;
  makeState(gpu.a, d, one);
  makeState(gpu.a, d, split);
  makeState(cpu.a, d, c);
  std::vector<float> o1, w1, o2, w2, oc, wc;
  stream(one.s, d, {d.T}, o1, w1);
  stream(split.s, d, GetParam(), o2, w2);
  stream(c.s, d, GetParam(), oc, wc);
  EXPECT_EQ(o1, o2);
  EXPECT_EQ(w1, w2);
  EXPECT_EQ(o2, oc);
  EXPECT_EQ(w2, wc);
}

INSTANTIATE_TEST_SUITE_P(
    Pieces, CudaSplits,
    ::testing::Values(std::vector<int64_t>{7}, std::vector<int64_t>{16},
                      std::vector<int64_t>{37, 1}, std::vector<int64_t>{1},
                      std::vector<int64_t>{5, 27, 3, 16, 1, 1, 40}));

TEST_F(CudaGpu, LongSpansManyChainsAndReset) {
  // 5000 tokens: more than one 4096-token piece; 15 chains in one launch.
  Data d(3, 5, 5000, 5);
  State g, c;
  makeState(gpu.a, d, g);
  makeState(cpu.a, d, c);
  std::vector<float> go, gw, co, cw;
  stream(g.s, d, {1234}, go, gw);
  stream(c.s, d, {1234}, co, cw);
  EXPECT_EQ(go, co);
  EXPECT_EQ(gw, cw);
  EXPECT_EQ(ttt_state_tokens_seen(g.s), 5000);
  ASSERT_EQ(ttt_state_reset(g.s), TTT_OK);
  std::vector<float> go2, gw2;
  stream(g.s, d, {5000}, go2, gw2);
  EXPECT_EQ(go, go2);
  EXPECT_EQ(gw, gw2);
}

TEST_F(CudaGpu, MissingKernelIsAnEntryError) {
  Loaded l(variant("nokernel", "\"ttt_toy_cuda\"", "\"ttt_nope\""));
  EXPECT_EQ(l.status, TTT_ERROR_ENTRY) << l.err.message;
  EXPECT_NE(std::string(l.err.message).find("kernel \"ttt_nope\" not found"),
            std::string::npos)
      << l.err.message;
}

TEST_F(CudaGpu, BrokenPtxIsALibraryError) {
  std::string p = tempPath("broken_kernel.ptx");
  writeText(p, ".version 9.0\n.target sm_80\n.address_size 64\n"
               ".visible .entry broken( { garbage }\n");
  Loaded l(writeManifest("cuda_broken",
                         replaced(readText(TTT_TOY_CUDA_MANIFEST),
                                  "\"toy_kernel.ptx\"", "\"" + p + "\"")));
  EXPECT_EQ(l.status, TTT_ERROR_LIBRARY) << l.err.message;
  EXPECT_NE(std::string(l.err.message).find("cannot load module"),
            std::string::npos)
      << l.err.message;
}

} // namespace
