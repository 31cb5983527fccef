# The PyTorch + PEFT baseline for test/bench/gpu-train.mjs: bf16 LoRA (r=16, alpha 16, all 7 modules) with SDPA
# attention and gradient checkpointing on the same random-weight model folder, micro-batch 1, AdamW.
# Usage: python3 peft_baseline.py MODEL_DIR SEQ RUNS  -> one JSON line {tokPerSec, peakBytes, torch, peft}.
# Needs CUDA, torch, transformers and peft; exits non-zero with one line saying what is missing otherwise.
import json
import sys
import time

try:
    import torch
    import transformers
    import peft
except ImportError as e:  # the bench prints this as "unavailable"
    print(f"missing Python package: {e.name}", file=sys.stderr)
    sys.exit(2)

if not torch.cuda.is_available():
    print("torch has no CUDA device", file=sys.stderr)
    sys.exit(2)

model_dir, seq, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.bfloat16, attn_implementation="sdpa").cuda()
model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
model.enable_input_require_grads()
cfg = peft.LoraConfig(r=16, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
model = peft.get_peft_model(model, cfg)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
vocab = model.config.vocab_size
ids = torch.tensor([[3 + (i * 7919) % (vocab - 3) for i in range(seq)]], device="cuda")


def step():
    out = model(input_ids=ids, labels=ids)
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)


step()  # warm-up
torch.cuda.synchronize()
torch.cuda.reset_peak_memory_stats()
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    step()
    torch.cuda.synchronize()
    times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"tokPerSec": seq / times[len(times) // 2], "peakBytes": torch.cuda.max_memory_allocated(),
                  "torch": torch.__version__, "peft": peft.__version__}))
