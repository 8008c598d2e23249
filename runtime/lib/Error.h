//===- Error.h - Status plus message, internal to the runtime ---*- C++ -*-===//
//
// Internal code reports failures as an Error value; the C API copies it into
// the caller's ttt_error and the object's last error.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_ERROR_H
#define TTT_RUNTIME_LIB_ERROR_H

#include "ttt/runtime/ttt_runtime.h"

#include <string>

namespace ttt::rt {

struct Error {
  ttt_status code = TTT_OK;
  std::string message;

  static Error ok() { return {}; }
  explicit operator bool() const { return code != TTT_OK; }
};

inline Error makeError(ttt_status code, std::string message) {
  return Error{code, std::move(message)};
}

/// Copies `e` into a C error struct (truncating the message); `out` may be
/// null. Returns e.code so callers can `return report(e, err);`.
ttt_status report(const Error &e, ttt_error *out);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_ERROR_H
