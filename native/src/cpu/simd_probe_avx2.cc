// Marks that the AVX2 kernel library was compiled (keeps the static library non-empty on every platform).
namespace lathe::cpu {
bool avx2_kernels_compiled() { return true; }
}
