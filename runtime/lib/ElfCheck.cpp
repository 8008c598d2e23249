//===- ElfCheck.cpp - Sanity-check a shared library before dlopen ---------===//

#include "ElfCheck.h"

#include <elf.h>

#include <cstring>
#include <fstream>

namespace ttt::rt {
namespace {

bool inside(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

} // namespace

Error checkElf(const std::string &path) {
  auto bad = [&](const std::string &why) {
    return makeError(TTT_ERROR_LIBRARY,
                     "cannot load library " + path + ": " + why);
  };
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f)
    return bad("cannot open it");
  const uint64_t size = static_cast<uint64_t>(f.tellg());
  f.seekg(0);
  Elf64_Ehdr eh;
  if (size < sizeof(eh) || !f.read(reinterpret_cast<char *>(&eh), sizeof(eh)))
    return bad("file too short for an ELF header (truncated?)");
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return bad("not an ELF file");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return bad("not a 64-bit little-endian ELF file");
  if (eh.e_type != ET_DYN)
    return bad("not a shared object");
  if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr), size))
    return bad("program headers lie outside the file (truncated?)");
  if (eh.e_shoff != 0 &&
      !inside(eh.e_shoff, uint64_t(eh.e_shnum) * eh.e_shentsize, size))
    return bad("section headers lie outside the file (truncated?)");
  f.seekg(static_cast<std::streamoff>(eh.e_phoff));
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!f.read(reinterpret_cast<char *>(&ph), sizeof(ph)))
      return bad("cannot read its program headers");
    if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) &&
        !inside(ph.p_offset, ph.p_filesz, size))
      return bad("a segment lies outside the file (truncated?)");
  }
  return Error::ok();
}

} // namespace ttt::rt
