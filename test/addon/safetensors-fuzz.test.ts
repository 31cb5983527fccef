// The safetensors validator under ASan + UBSan with a deterministic mutation fuzzer (native/fuzz/safetensors.cc;
// the same target builds with clang's libFuzzer): no out-of-bounds read, no undefined behaviour, every accepted file's
// tensors inside the buffer, every refusal explained. Seeded, so a failure reproduces with the printed command.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const native = join(process.cwd(), 'native');
const exe = join(native, 'build', 'tests', 'fuzz_safetensors_asan');

it('survives 200,000 mutated files under AddressSanitizer and UBSan', { timeout: 600_000 }, () => {
  mkdirSync(join(native, 'build', 'tests'), { recursive: true });
  const src = ['fuzz/safetensors.cc', 'src/io/safetensors.cc', 'src/io/json.cc', 'src/core/platform.cc'].map((f) => join(native, f));
  execFileSync(process.env.CXX ?? 'g++', ['-std=c++20', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
    '-fno-omit-frame-pointer', '-I', join(native, 'src'), ...src, '-o', exe, '-lpthread'], { stdio: 'inherit' });
  for (const seed of ['1', '2']) {
    const out = execFileSync(exe, ['100000', seed], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1' } });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { iterations: number; accepted: number; refused: number };
    expect(r.iterations).toBe(100000);
    // Both paths are exercised: some mutants stay valid (their bytes are all touched), most are refused.
    expect(r.accepted).toBeGreaterThan(100);
    expect(r.refused).toBeGreaterThan(50000);
  }
});
