// Fuzz target for the safetensors validator: the libFuzzer entry point (clang -fsanitize=fuzzer), plus a
// deterministic mutation driver for compilers without libFuzzer (g++), built with ASan + UBSan and run by
// test/addon/safetensors-fuzz.test.ts. What it proves beyond "no crash": every file the validator accepts has every
// tensor's bytes inside the buffer, and every refusal carries a code and a message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "io/safetensors.h"

using lathe::Status;
using lathe::io::StTensor;

static uint64_t g_accepted = 0, g_refused = 0;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<StTensor> tensors;
  std::map<std::string, std::string> metadata;
  Status s = lathe::io::validate_safetensors("fuzz.safetensors", data, size, tensors, metadata);
  if (!s.ok()) {
    if (s.message.empty()) std::abort();  // a refusal must say why
    ++g_refused;
    return 0;
  }
  ++g_accepted;
  // Touch every byte the validator vouched for: ASan reports any tensor that reaches outside the input.
  volatile uint8_t sink = 0;
  for (const StTensor& t : tensors) {
    if (t.end < t.begin || t.data < data || t.data + (t.end - t.begin) > data + size) std::abort();
    for (uint64_t i = 0; i < t.end - t.begin; ++i) sink = sink ^ t.data[i];
  }
  (void)sink;
  return 0;
}

#ifndef LATHE_LIBFUZZER
namespace {

uint64_t rng_state = 0x9E3779B97F4A7C15ull;
uint64_t next() {  // xorshift64*: deterministic, so a failure is reproducible from the seed
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}
uint64_t below(uint64_t n) { return n ? next() % n : 0; }

std::vector<uint8_t> file_of(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> out(8);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<uint8_t>(i * 31));
  return out;
}

std::vector<std::vector<uint8_t>> seeds() {
  return {
      file_of(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}})", 32),
      file_of(R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F16","shape":[1,1],"data_offsets":[0,2]}})", 2),
      file_of(R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", 16),
      file_of(R"({"x":{"dtype":"F4","shape":[2,2],"data_offsets":[0,2]},"y":{"dtype":"U8","shape":[3],"data_offsets":[2,5]}})", 5),
      file_of(R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}     )", 4),
      file_of("{}", 0),
  };
}

const char kTokens[] = "{}[]\",:0123456789-eE.\\u \t\nFBI";
const uint64_t kInteresting[] = {0, 1, 7, 8, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffffull, 0x7fffffffffffffffull, ~0ull};

void mutate(std::vector<uint8_t>& b) {
  int rounds = 1 + static_cast<int>(below(4));
  for (int r = 0; r < rounds; ++r) {
    switch (below(7)) {
      case 0:  // flip a bit
        if (!b.empty()) b[below(b.size())] ^= static_cast<uint8_t>(1u << below(8));
        break;
      case 1:  // a JSON-ish byte
        if (!b.empty()) b[below(b.size())] = static_cast<uint8_t>(kTokens[below(sizeof kTokens - 1)]);
        break;
      case 2: {  // an interesting 64-bit length, often in the header-length field
        uint64_t v = kInteresting[below(sizeof kInteresting / sizeof kInteresting[0])] + below(3);
        size_t at = below(3) == 0 || b.size() < 8 ? 0 : below(b.size() - 7);
        if (b.size() >= at + 8)
          for (int i = 0; i < 8; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
        break;
      }
      case 3: {  // delete a range (truncation included)
        if (b.empty()) break;
        size_t at = below(b.size()), n = 1 + below(std::min<size_t>(16, b.size() - at));
        b.erase(b.begin() + at, b.begin() + at + n);
        break;
      }
      case 4: {  // insert bytes
        size_t at = below(b.size() + 1), n = 1 + below(8);
        for (size_t i = 0; i < n; ++i) b.insert(b.begin() + at, static_cast<uint8_t>(kTokens[below(sizeof kTokens - 1)]));
        break;
      }
      case 5: {  // duplicate a chunk (duplicate keys, repeated tensors)
        if (b.size() < 2) break;
        size_t at = below(b.size()), n = 1 + below(std::min<size_t>(40, b.size() - at));
        std::vector<uint8_t> chunk(b.begin() + at, b.begin() + at + n);
        b.insert(b.begin() + below(b.size() + 1), chunk.begin(), chunk.end());
        break;
      }
      default:  // a digit changed inside a number (shapes, offsets)
        for (size_t tries = 0; tries < 8 && !b.empty(); ++tries) {
          size_t at = below(b.size());
          if (b[at] >= '0' && b[at] <= '9') {
            b[at] = static_cast<uint8_t>('0' + below(10));
            break;
          }
        }
    }
  }
}

}  // namespace

// Usage: fuzz_safetensors [iterations] [seed]
int main(int argc, char** argv) {
  uint64_t iters = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  if (argc > 2) rng_state ^= std::strtoull(argv[2], nullptr, 10) * 0x100000001B3ull;
  auto corpus = seeds();
  for (auto& s : corpus) LLVMFuzzerTestOneInput(s.data(), s.size());
  if (g_accepted != corpus.size()) {
    std::fprintf(stderr, "a seed file was refused: the seeds must all be valid\n");
    return 2;
  }
  for (uint64_t i = 0; i < iters; ++i) {
    std::vector<uint8_t> b = corpus[below(corpus.size())];
    mutate(b);
    // Exact-size heap copy, so ASan sees a read one byte past the end of the input.
    uint8_t* exact = static_cast<uint8_t*>(std::malloc(b.size() ? b.size() : 1));
    if (!b.empty()) std::memcpy(exact, b.data(), b.size());
    LLVMFuzzerTestOneInput(exact, b.size());
    std::free(exact);
  }
  std::printf("{\"iterations\":%llu,\"accepted\":%llu,\"refused\":%llu}\n", static_cast<unsigned long long>(iters),
              static_cast<unsigned long long>(g_accepted), static_cast<unsigned long long>(g_refused));
  return 0;
}
#endif
