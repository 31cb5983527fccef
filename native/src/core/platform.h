// Platform layer: the only place engine code touches OS-specific APIs (shared-library loading, read-only file mapping).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace lathe {

// A loaded shared library; empty handle means it failed to load and error() says why.
class SharedLibrary {
 public:
  SharedLibrary() = default;
  explicit SharedLibrary(const std::string& path);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  SharedLibrary(SharedLibrary&& o) noexcept : handle_(o.handle_), error_(std::move(o.error_)) { o.handle_ = nullptr; }

  bool ok() const { return handle_ != nullptr; }
  const std::string& error() const { return error_; }
  void* symbol(const char* name) const;

 private:
  void* handle_ = nullptr;
  std::string error_;
};

// A whole file mapped read-only. ok() false means open/map failed and error() says why (the OS message).
// An empty file maps to data() == nullptr with size() == 0. Not counted by the engine's arena accounting:
// the pages belong to the OS page cache.
class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  bool ok_ = false;
  std::string error_;
#ifdef _WIN32
  void* file_ = nullptr;
  void* mapping_ = nullptr;
#endif
};

// Writes `size` bytes to `path` atomically: a temp file in the same folder, fsync, rename over the target, fsync the
// folder (POSIX). On failure the old file is untouched and the temp file removed; returns "" or the OS error.
std::string write_file_atomic(const std::string& path, const void* data, size_t size);

}  // namespace lathe
