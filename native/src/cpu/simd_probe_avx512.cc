// Marks that the AVX-512 kernel library was compiled (keeps the static library non-empty on every platform).
namespace lathe::cpu {
bool avx512_kernels_compiled() { return true; }
}
