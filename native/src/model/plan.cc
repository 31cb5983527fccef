// Planned weight bytes from the config, the quantization and the stored dtype (mmapped f32/bf16 tensors cost nothing:
// they stay in the OS page cache and are not counted; f16 is converted to f32; nf4/int8 are owned by the engine).
#include "model/model.h"

namespace lathe::model {

int64_t Model::planned_weight_bytes() const {
  const auto& c = cfg_;
  const int64_t C = c.hidden, HD = c.head_dim, QD = c.n_heads * HD, KVD = c.n_kv_heads * HD, I = c.intermediate, V = c.vocab;
  const bool f16 = info_.storage_dtype == "F16";
  const int64_t outs[] = {QD, KVD, KVD, C, I, I, C};
  const int64_t ins[] = {C, C, C, QD, C, C, I};
  int64_t bytes = 0;
  for (int m = 0; m < 7; ++m) {
    const int64_t n = outs[m] * ins[m];
    int64_t w = 0;
    switch (quant_) {
      case Quant::none: w = f16 ? 4 * n : 0; break;
      case Quant::nf4: {
        const int64_t nb = quant::nf4_num_blocks(n);
        w = quant::nf4_packed_bytes(n) + nb /*absmax codes*/ + 4 * quant::nf4_num_absmax_scales(nb);
        break;
      }
      case Quant::int8: w = n + 4 * quant::int8_num_scales(outs[m], ins[m]); break;
    }
    const bool bias = (m < 3 && c.qkv_bias) || (m == 3 && c.o_bias) || (m >= 4 && c.mlp_bias);
    bytes += c.layers * (w + (bias ? 4 * outs[m] : 0));
  }
  bytes += c.layers * 4 * (2 * C + (c.qk_norm ? 2 * HD : 0)) + 4 * C;
  if (f16) bytes += 4 * V * C * (c.tie_embeddings ? 1 : 2);
  return bytes;
}

}  // namespace lathe::model
