// libFuzzer target: the artifact manifest parser on arbitrary text (it only
// parses and validates; it loads no library).
#include "Manifest.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  ttt::rt::Manifest m;
  (void)ttt::rt::parseManifest(text, "fuzz.json", m);
  return 0;
}
