// Loads the native engine addon. Only the engine host process (and the CLI, which is its own host) may call this:
// a crash in native code must never take down the UI's main process.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { VulkanDeviceInfo } from '../api/contract';
import { LatheError } from '../api/errors';
import { appRoot } from '../app-root';

export interface NativeCpuFeatures {
  brand: string;
  avx2: boolean;
  fma: boolean;
  f16c: boolean;
  avx512f: boolean;
  avx512bw: boolean;
  avx512vl: boolean;
  avx512bf16: boolean;
  amx: boolean;
  /** SIMD level the CPU kernels run: scalar, avx2 or avx512 (LATHE_CPU_ISA=scalar|avx2 caps it). */
  isa: string;
  hardwareThreads: number;
}

export interface NativeBackendProbe {
  compiled: string[];
  available: string[];
  gpus: { index: number; name: string; memoryBytes: number; computeCapability: string }[];
  notes: Record<string, string>;
  /** Absent from addons built before the Vulkan backend existed. */
  vulkanDevices?: VulkanDeviceInfo[];
}

/** The addon's surface. Engine bindings (models, training) extend this interface where they are declared. */
export interface NativeAddon {
  version: string;
  cpuFeatures(): NativeCpuFeatures;
  probeBackends(cudaLibraryPath?: string): NativeBackendProbe;
  [binding: string]: unknown;
}

let addon: NativeAddon | undefined;

export function addonPath(): string {
  return process.env.LATHE_NATIVE_PATH || join(appRoot(), 'native', 'build', 'Release', 'lathe_native.node');
}

export function cudaLibraryPath(): string {
  return join(appRoot(), 'native', 'build', 'cuda', process.platform === 'win32' ? 'lathe_cuda.dll' : 'liblathe_cuda.so');
}

export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const file = addonPath();
  if (!existsSync(file)) {
    throw new LatheError('engine.notBuilt', `The native engine is not built (${file} is missing).`, 'Run `npm install` (or `npm run build:native`) in the Lathe folder; it needs a C++20 compiler and Python 3.');
  }
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (err) {
    throw new LatheError('engine.loadFailed', `The native engine failed to load: ${(err as Error).message}`, 'Rebuild it with `npm run build:native`; if you upgraded Node or Electron, the addon must be rebuilt for it.');
  }
  return addon;
}
