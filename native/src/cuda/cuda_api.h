// The C ABI between the addon and the optional CUDA backend library (liblathe_cuda.so / lathe_cuda.dll).
// Kept to plain C types so the addon never links against CUDA and loads on machines without it.
#pragma once

#ifdef _WIN32
#define LATHE_CUDA_EXPORT extern "C" __declspec(dllexport)
#else
#define LATHE_CUDA_EXPORT extern "C" __attribute__((visibility("default")))
#endif

// Bumped when the C ABI below changes; the addon refuses a library with another version.
#define LATHE_CUDA_ABI_VERSION 1

typedef int (*lathe_cuda_abi_version_fn)(void);
// Runs a tiny kernel on device `device` and checks its result. Returns 0 on success; otherwise writes why into err.
typedef int (*lathe_cuda_selftest_fn)(int device, char* err, int err_len);
