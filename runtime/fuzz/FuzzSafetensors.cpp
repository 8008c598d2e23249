// libFuzzer target: the .safetensors parser on arbitrary bytes.
#include "ttt/runtime/Safetensors.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ttt::rt::TensorList tensors;
  std::string error;
  ttt::rt::parseSafetensors(data, size, tensors, error);
  return 0;
}
