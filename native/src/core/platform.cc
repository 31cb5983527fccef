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

std::string write_file_atomic(const std::string& path, const void* data, size_t size) {
  const std::string tmp = path + ".tmp-lathe";
#ifdef _WIN32
  int wlen = MultiByteToWideChar(CP_UTF8, 0, tmp.c_str(), -1, nullptr, 0);
  std::wstring wtmp(wlen > 0 ? wlen : 1, L'\0');
  if (wlen > 0) MultiByteToWideChar(CP_UTF8, 0, tmp.c_str(), -1, wtmp.data(), wlen);
  wlen = MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, nullptr, 0);
  std::wstring wpath(wlen > 0 ? wlen : 1, L'\0');
  if (wlen > 0) MultiByteToWideChar(CP_UTF8, 0, path.c_str(), -1, wpath.data(), wlen);
  HANDLE f = CreateFileW(wtmp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) return "cannot create " + tmp + " (error " + std::to_string(GetLastError()) + ")";
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    DWORD chunk = left > (1u << 30) ? (1u << 30) : static_cast<DWORD>(left), wrote = 0;
    if (!WriteFile(f, p, chunk, &wrote, nullptr) || wrote == 0) {
      CloseHandle(f);
      DeleteFileW(wtmp.c_str());
      return "cannot write " + tmp + " (error " + std::to_string(GetLastError()) + ")";
    }
    p += wrote;
    left -= wrote;
  }
  FlushFileBuffers(f);
  CloseHandle(f);
  if (!MoveFileExW(wtmp.c_str(), wpath.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    DeleteFileW(wtmp.c_str());
    return "cannot rename " + tmp + " to " + path + " (error " + std::to_string(GetLastError()) + ")";
  }
  return "";
#else
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      std::string e = "cannot write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) {
    std::string e = "cannot fsync " + tmp + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string e = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return e;
  }
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
#endif
}

}  // namespace lathe
