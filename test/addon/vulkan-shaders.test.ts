// The Vulkan shader build step (native/scripts/vulkan-shaders.mjs): embeds every shader, recompiles only those that
// changed, and fails loudly, naming the file, when one does not compile. Skipped when glslc / the headers are absent.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

interface ShaderBuild {
  findVulkanToolchain(): { glslc?: string; reason?: string };
  buildShaders(opts: { log?: (m: string) => void; shaderDir?: string; outDir?: string }): { enabled: boolean; compiled?: number; shaders?: number };
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const mod = (await import(pathToFileURL(join(root, 'native/scripts/vulkan-shaders.mjs')).href)) as ShaderBuild;
const toolchain = mod.findVulkanToolchain();
const dir = mkdtempSync(join(tmpdir(), 'lathe-shaders-'));
const shaders = join(dir, 'shaders');
const out = join(dir, 'gen');

const copy = (x: string) => `#version 450
layout(local_size_x = 64) in;
layout(binding = 0) buffer Y { float y[]; };
void main() { y[gl_GlobalInvocationID.x] = ${x}; }
`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!toolchain.glslc)('Vulkan shader build step', () => {
  const build = () => mod.buildShaders({ log: () => {}, shaderDir: shaders, outDir: out });

  it('embeds every shader and recompiles only the ones that changed', () => {
    mkdirSync(shaders, { recursive: true });
    writeFileSync(join(shaders, 'one.comp'), copy('1.0'));
    writeFileSync(join(shaders, 'two.comp'), copy('2.0'));
    const first = build();
    expect(first).toMatchObject({ enabled: true, shaders: 2, compiled: 2 });
    const table = readFileSync(join(out, 'vk_shaders.cc'), 'utf8');
    expect(table).toContain('{"one", k_one,');
    expect(table).toContain('{"two", k_two,');
    expect(build().compiled).toBe(0);
    writeFileSync(join(shaders, 'two.comp'), copy('3.0'));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(shaders, 'two.comp'), later, later);
    expect(build().compiled).toBe(1);
  });

  it('a shader that does not compile fails the build, naming the file and glslc’s message', () => {
    writeFileSync(join(shaders, 'broken.comp'), copy('undefined_thing'));
    expect(build).toThrow(/shader broken\.comp failed to compile:[\s\S]*undefined_thing/);
    rmSync(join(shaders, 'broken.comp'));
  });
});
