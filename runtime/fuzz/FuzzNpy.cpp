// libFuzzer target: the .npy parser must reject or accept any bytes without
// crashing, reading out of bounds or allocating from an unchecked header.
#include "ttt/runtime/Npy.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ttt::rt::Array a;
  std::string error;
  if (ttt::rt::parseNpy(data, size, a, error) &&
      a.data.size() !=
          static_cast<size_t>(a.numElements()) * ttt::rt::dtypeSize(a.dtype))
    __builtin_trap(); // accepted, but the data does not match the shape
  return 0;
}
