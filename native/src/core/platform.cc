// Platform layer implementation: dlopen/mmap on POSIX, LoadLibrary/CreateFileMapping on Windows.
#include "core/platform.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

namespace lathe {

SharedLibrary::SharedLibrary(const std::string& path) {
#ifdef _WIN32
  handle_ = reinterpret_cast<void*>(LoadLibraryA(path.c_str()));
  if (!handle_) error_ = "LoadLibrary failed for " + path + " (error " + std::to_string(GetLastError()) + ")";
#else
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* e = dlerror();
    error_ = e ? e : ("dlopen failed for " + path);
  }
#endif
}

SharedLibrary::~SharedLibrary() {
  if (!handle_) return;
#ifdef _WIN32
  FreeLibrary(reinterpret_cast<HMODULE>(handle_));
#else
  dlclose(handle_);
#endif
}

void* SharedLibrary::symbol(const char* name) const {
  if (!handle_) return nullptr;
#ifdef _WIN32
  return reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(handle_), name));
#else
  return dlsym(handle_, name);
#endif
}

MappedFile::MappedFile(const std::string& path) {
#ifdef _WIN32
  int wlen = MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, nullptr, 0);
  std::wstring wpath(wlen > 0 ? wlen : 1, L'\0');
  if (wlen > 0) MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, wpath.data(), wlen);
  HANDLE f = CreateFileW(wpath.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) {
    error_ = "cannot open " + path + " (error " + std::to_string(GetLastError()) + ")";
    return;
  }
  file_ = f;
  LARGE_INTEGER sz;
  if (!GetFileSizeEx(f, &sz)) {
    error_ = "cannot read the size of " + path;
    return;
  }
  size_ = static_cast<uint64_t>(sz.QuadPart);
  if (size_ == 0) { ok_ = true; return; }
  HANDLE m = CreateFileMappingW(f, nullptr, PAGE_READONLY, 0, 0, nullptr);
  if (!m) {
    error_ = "cannot map " + path + " (error " + std::to_string(GetLastError()) + ")";
    return;
  }
  mapping_ = m;
  data_ = static_cast<const uint8_t*>(MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0));
  if (!data_) {
    error_ = "cannot map " + path + " (error " + std::to_string(GetLastError()) + ")";
    return;
  }
  ok_ = true;
#else
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error_ = path + " is not a regular file";
    ::close(fd);
    return;
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ == 0) {
    ::close(fd);
    ok_ = true;
    return;
  }
  void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    error_ = "cannot map " + path + ": " + std::strerror(errno);
    size_ = 0;
    return;
  }
  data_ = static_cast<const uint8_t*>(p);
  ok_ = true;
#endif
}

MappedFile::~MappedFile() {
#ifdef _WIN32
  if (data_) UnmapViewOfFile(data_);
  if (mapping_) CloseHandle(reinterpret_cast<HANDLE>(mapping_));
  if (file_) CloseHandle(reinterpret_cast<HANDLE>(file_));
#else
  if (data_) munmap(const_cast<uint8_t*>(data_), size_);
#endif
}

}  // namespace lathe
