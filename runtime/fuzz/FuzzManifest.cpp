// libFuzzer target: the artifact and model manifest parsers on arbitrary
// text (they only parse and validate; they load no library).
#include "Manifest.h"
#include "ModelManifest.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  ttt::rt::Manifest m;
  (void)ttt::rt::parseManifest(text, "fuzz.json", m);
  ttt::rt::ModelManifest mm;
  (void)ttt::rt::parseModelManifest(text, "fuzz.json", mm);
  return 0;
}
