// Trainable embedding table and output head (LoraConfig::train_embeddings, PEFT's modules_to_save): f32 copies of the
// base tables that the ops read through backend weights, so continued pre-training can teach new token meanings. A
// tied head is the embedding table itself (one copy, one gradient: the head's and the lookup's add up).
#include "model/model.h"

namespace lathe::model {

const backend::Weight& Model::head_for(bool adapter) const {
  if (!adapter || !train_tables_) return head_w_;
  return cfg_.tie_embeddings ? temb_.w : thead_.w;
}

int64_t Model::table_params() const {
  if (!lora_cfg_.train_embeddings) return 0;
  return cfg_.vocab * cfg_.hidden * (cfg_.tie_embeddings ? 1 : 2);
}

Status Model::init_tables(const std::vector<float>* embed, const std::vector<float>* head) {
  const int64_t V = cfg_.vocab, C = cfg_.hidden;
  auto fill = [&](TrainableTable& t, const cpu::WeightRef& base, const std::vector<float>* given) -> Status {
    LATHE_RETURN_IF_ERROR(t.p.alloc(be_.get(), &tracker_, ArenaKind::lora, V * C));
    if (given) {
      if (static_cast<int64_t>(given->size()) != V * C) return Status::invalid("trainable table size mismatch");
      t.p.upload(given->data(), V * C);
    } else {
      std::vector<float> rows(static_cast<size_t>(V * C));  // the base table in f32 (bf16 widened exactly)
      for (int64_t r = 0; r < V; ++r) cpu::weight_row(rows.data() + r * C, base, r, 0, C);
      t.p.upload(rows.data(), V * C);
    }
    t.w = be_->weight_f32(t.p.ptr(), V, C);
    return Status::Ok();
  };
  LATHE_RETURN_IF_ERROR(fill(temb_, embed_, embed));
  if (!cfg_.tie_embeddings) LATHE_RETURN_IF_ERROR(fill(thead_, head_, head ? head : nullptr));
  train_tables_ = true;
  return be_->sync();
}

namespace {

Status no_table(const std::string& table) {
  return Status::invalid("no trainable table \"" + table + "\" (embed_tokens or lm_head, with trainEmbeddings on)",
                         "Load the model with lora.trainEmbeddings: true, or an adapter that saved them (modules_to_save).");
}

}  // namespace

Status Model::table_tensor(const std::string& table, const std::string& which, std::vector<float>& out) const {
  const TrainableTable* t = table == "embed_tokens" || (table == "lm_head" && cfg_.tie_embeddings) ? &temb_ : table == "lm_head" ? &thead_ : nullptr;
  if (!t || !train_tables_) return no_table(table);
  const backend::Array<float>* a = which == "p" ? &t->p : which == "g" ? &t->g : nullptr;
  if (!a) return Status::invalid("which must be p or g");
  out = a->to_host();
  return be_->sync();
}

Status Model::set_table_tensor(const std::string& table, const std::vector<float>& in) {
  TrainableTable* t = table == "embed_tokens" || (table == "lm_head" && cfg_.tie_embeddings) ? &temb_ : table == "lm_head" ? &thead_ : nullptr;
  if (!t || !train_tables_) return no_table(table);
  if (static_cast<int64_t>(in.size()) != t->p.size()) return Status::invalid("size mismatch: expected " + std::to_string(t->p.size()));
  t->p.upload(in.data(), t->p.size());
  return be_->sync();
}

}  // namespace lathe::model
