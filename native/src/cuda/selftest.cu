// CUDA backend self-test: one trivial kernel, run once when the backend is loaded to prove the device really works.
#include <cuda_runtime.h>
#include <cstdio>

#include "cuda/cuda_api.h"

__global__ void lathe_axpy_kernel(int n, float a, const float* x, float* y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

static int fail(char* err, int err_len, const char* what, cudaError_t e) {
  if (err && err_len > 0) snprintf(err, err_len, "%s: %s", what, cudaGetErrorString(e));
  return 1;
}

LATHE_CUDA_EXPORT int lathe_cuda_abi_version(void) { return LATHE_CUDA_ABI_VERSION; }

LATHE_CUDA_EXPORT int lathe_cuda_selftest(int device, char* err, int err_len) {
  const int n = 1024;
  float hx[n], hy[n];
  for (int i = 0; i < n; ++i) { hx[i] = float(i); hy[i] = 1.0f; }
  cudaError_t e = cudaSetDevice(device);
  if (e != cudaSuccess) return fail(err, err_len, "cudaSetDevice", e);
  float *dx = nullptr, *dy = nullptr;
  if ((e = cudaMalloc(&dx, n * sizeof(float))) != cudaSuccess) return fail(err, err_len, "cudaMalloc", e);
  if ((e = cudaMalloc(&dy, n * sizeof(float))) != cudaSuccess) { cudaFree(dx); return fail(err, err_len, "cudaMalloc", e); }
  cudaMemcpy(dx, hx, sizeof hx, cudaMemcpyHostToDevice);
  cudaMemcpy(dy, hy, sizeof hy, cudaMemcpyHostToDevice);
  lathe_axpy_kernel<<<(n + 255) / 256, 256>>>(n, 2.0f, dx, dy);
  e = cudaGetLastError();
  if (e == cudaSuccess) e = cudaMemcpy(hy, dy, sizeof hy, cudaMemcpyDeviceToHost);
  cudaFree(dx);
  cudaFree(dy);
  if (e != cudaSuccess) return fail(err, err_len, "axpy kernel", e);
  for (int i = 0; i < n; ++i) {
    if (hy[i] != 2.0f * float(i) + 1.0f) {
      if (err && err_len > 0) snprintf(err, err_len, "axpy kernel gave %g at %d, expected %g", hy[i], i, 2.0f * i + 1.0f);
      return 1;
    }
  }
  return 0;
}
