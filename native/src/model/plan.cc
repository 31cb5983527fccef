// Planned weight bytes from the config, the quantization and the stored dtype (mmapped f32/bf16 tensors cost nothing:
// they stay in the OS page cache and are not counted; f16 is converted to f32; nf4/int8 are owned by the engine).
#include <algorithm>

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
  if (device_weights_) {
    // The CPU maps f32/bf16 weights from the file; a GPU holds a copy of each (f16 is already counted as its f32
    // conversion), and every NF4 weight carries its codebook and dequant map (272 words) on the device.
    const int64_t stored = info_.storage_dtype == "BF16" ? 2 : 4;
    if (!f16) bytes += stored * V * C * (c.tie_embeddings ? 1 : 2);
    for (int m = 0; m < 7; ++m) {
      const int64_t n = outs[m] * ins[m];
      if (quant_ == Quant::none && !f16) bytes += c.layers * stored * n;
      if (quant_ == Quant::nf4) bytes += c.layers * (4 * 272 + 12);  // + word rounding of codes and absmax
      if (quant_ == Quant::int8) bytes += c.layers * 4;
    }
  }
  return bytes;
}

int64_t Model::planned_device_scratch(int64_t N, int64_t T, bool train) const {
  if (!device_weights_) return 0;
  const auto& c = cfg_;
  int64_t rmax = 0, lora_params = 0;
  for (int64_t l = 0; l < c.layers; ++l)
    for (int m = 0; m < 7; ++m) {
      int64_t r, p;
      lora_dims(l, m, r, p);
      rmax = std::max(rmax, r);
      lora_params += p;
    }
  const int64_t in_max = std::max(c.intermediate, std::max(c.hidden, c.n_heads * c.head_dim));
  const bool drop = train && lora_cfg_.dropout > 0.f;
  int64_t floats = N * ((drop ? in_max : 0) + rmax);         // matmul backward: drop(x) and g (T, R)
  if (train) floats = std::max(floats, c.n_heads * T);         // attention backward: D (NH, T) per row
  if (train) floats = std::max(floats, lora_params / 4096 + 2 * 7 * c.layers);  // grad-norm partials
  return 4 * std::max<int64_t>(floats, 1);
}

void Model::lora_dims(int64_t l, int m, int64_t& r, int64_t& params) const {
  if (!inspected_only_) {
    const LoraModule& lm = layers_[l].lora[m];
    r = lm.r;
    params = lm.A.size() + lm.B.size();
    return;
  }
  const auto& c = cfg_;
  const int64_t C = c.hidden, QD = c.n_heads * c.head_dim, KVD = c.n_kv_heads * c.head_dim, I = c.intermediate;
  const int64_t outs[] = {QD, KVD, KVD, C, I, I, C};
  const int64_t ins[] = {C, C, C, QD, C, C, I};
  r = lora_cfg_.targets[m] ? lora_cfg_.r : 0;
  params = r * (outs[m] + ins[m]);
}

Status Model::inspect(const std::string& dir, const LoadOptions& opt) {
  quant_ = opt.quant;
  device_weights_ = backend::device_holds_weights(opt.device);
  max_seq_len_ = opt.max_seq_len;
  lora_cfg_ = opt.lora;
  LATHE_RETURN_IF_ERROR(read_config(dir));
  LATHE_RETURN_IF_ERROR(load_tensors(dir, files_));
  for (auto& f : files_)
    if (const io::StTensor* t = f->find("model.embed_tokens.weight")) info_.storage_dtype = io::st_dtype_name(t->dtype);
  if (info_.storage_dtype.empty())
    return Status::error(status_code::bad_model, dir + ": missing tensor \"model.embed_tokens.weight\"", "The checkpoint does not match its config.json; re-download it.");
  inspected_only_ = true;
  return Status::Ok();
}

Status Model::inspect_config(const std::string& dir, const LoadOptions& opt, const std::string& storage_dtype) {
  quant_ = opt.quant;
  device_weights_ = backend::device_holds_weights(opt.device);
  max_seq_len_ = opt.max_seq_len;
  lora_cfg_ = opt.lora;
  LATHE_RETURN_IF_ERROR(read_config(dir));
  // planned_weight_bytes() reads only the stored dtype of the weights, so this plan equals inspect()'s on the same folder.
  info_.storage_dtype = storage_dtype;
  inspected_only_ = true;
  return Status::Ok();
}

}  // namespace lathe::model
