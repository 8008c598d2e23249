//===- ElfCheck.h - Sanity-check a shared library before dlopen -*- C++ -*-===//
//
// dlopen maps a library's segments as its program headers say; on a
// truncated file the loader touches pages past the end and the process dies
// of SIGBUS. So the headers are checked against the file size first.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_ELFCHECK_H
#define TTT_RUNTIME_LIB_ELFCHECK_H

#include "Error.h"

namespace ttt::rt {

/// TTT_ERROR_LIBRARY unless `path` is a complete 64-bit little-endian ELF
/// shared object whose headers and segments lie inside the file.
Error checkElf(const std::string &path);

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_ELFCHECK_H
