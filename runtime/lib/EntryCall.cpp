//===- EntryCall.cpp - Call an entry through MLIR's C interface -----------===//
//
// The switch below is generated (one case per arity up to kMaxEntryParams);
// a C function cannot be called with a run-time argument count otherwise
// without libffi.
//
//===----------------------------------------------------------------------===//

#include "EntryCall.h"
#include "Manifest.h"

#include <cstdlib>
#include <cstring>

namespace ttt::rt {

void MemRefDesc::set(void *data, const int64_t *sizes, size_t rank) {
  words.assign(3 + 2 * rank, 0);
  uintptr_t p = reinterpret_cast<uintptr_t>(data);
  static_assert(sizeof(uintptr_t) == sizeof(int64_t), "64-bit only");
  std::memcpy(&words[0], &p, sizeof(p)); // allocated
  std::memcpy(&words[1], &p, sizeof(p)); // aligned
  words[2] = 0;                          // offset
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    words[3 + i] = sizes[i];
    words[3 + rank + i] = stride;
    stride *= sizes[i];
  }
}

static_assert(kMaxEntryParams == 32, "regenerate the switch below");

void callEntry(EntryFn fn, std::vector<MemRefDesc> &params) {
  void *p[kMaxEntryParams + 1] = {};
  for (size_t i = 0; i < params.size(); ++i)
    p[i] = params[i].ptr();
  switch (params.size()) {
  case 0:
    reinterpret_cast<void (*)(void)>(fn)();
    return;
  case 1:
    reinterpret_cast<void (*)(void *)>(fn)(p[0]);
    return;
  case 2:
    reinterpret_cast<void (*)(void *, void *)>(fn)(p[0], p[1]);
    return;
  case 3:
    reinterpret_cast<void (*)(void *, void *, void *)>(fn)(p[0], p[1], p[2]);
    return;
  case 4:
    reinterpret_cast<void (*)(void *, void *, void *, void *)>(fn)(p[0], p[1],
                                                                   p[2], p[3]);
    return;
  case 5:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4]);
    return;
  case 6:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *)>(
        fn)(p[0], p[1], p[2], p[3], p[4], p[5]);
    return;
  case 7:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5],
                                           p[6]);
    return;
  case 8:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *)>(fn)(p[0], p[1], p[2], p[3], p[4],
                                                   p[5], p[6], p[7]);
    return;
  case 9:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    return;
  case 10:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
    return;
  case 11:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    return;
  case 12:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *)>(
        fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
            p[11]);
    return;
  case 13:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5],
                                           p[6], p[7], p[8], p[9], p[10], p[11],
                                           p[12]);
    return;
  case 14:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *)>(fn)(p[0], p[1], p[2], p[3], p[4],
                                                   p[5], p[6], p[7], p[8], p[9],
                                                   p[10], p[11], p[12], p[13]);
    return;
  case 15:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14]);
    return;
  case 16:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15]);
    return;
  case 17:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16]);
    return;
  case 18:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *)>(
        fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
            p[11], p[12], p[13], p[14], p[15], p[16], p[17]);
    return;
  case 19:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9],
                     p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17],
                     p[18]);
    return;
  case 20:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
                             p[8], p[9], p[10], p[11], p[12], p[13], p[14],
                             p[15], p[16], p[17], p[18], p[19]);
    return;
  case 21:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20]);
    return;
  case 22:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21]);
    return;
  case 23:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21], p[22]);
    return;
  case 24:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *,
                              void *, void *, void *, void *, void *, void *)>(
        fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
            p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19],
            p[20], p[21], p[22], p[23]);
    return;
  case 25:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21], p[22], p[23], p[24]);
    return;
  case 26:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21], p[22], p[23], p[24], p[25]);
    return;
  case 27:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *,
        void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9],
                     p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17],
                     p[18], p[19], p[20], p[21], p[22], p[23], p[24], p[25],
                     p[26]);
    return;
  case 28:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9],
                     p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17],
                     p[18], p[19], p[20], p[21], p[22], p[23], p[24], p[25],
                     p[26], p[27]);
    return;
  case 29:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
                             p[8], p[9], p[10], p[11], p[12], p[13], p[14],
                             p[15], p[16], p[17], p[18], p[19], p[20], p[21],
                             p[22], p[23], p[24], p[25], p[26], p[27], p[28]);
    return;
  case 30:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21], p[22], p[23], p[24], p[25], p[26], p[27], p[28], p[29]);
    return;
  case 31:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21], p[22], p[23], p[24], p[25], p[26], p[27], p[28], p[29], p[30]);
    return;
  case 32:
    reinterpret_cast<void (*)(
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *, void *, void *, void *, void *,
        void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
        p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20],
        p[21], p[22], p[23], p[24], p[25], p[26], p[27], p[28], p[29], p[30],
        p[31]);
    return;
  default:
    std::abort(); // unreachable: the manifest loader caps the count
  }
}

} // namespace ttt::rt
