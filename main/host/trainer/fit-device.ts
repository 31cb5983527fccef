// Which memory a run's plan is held against: the device the engine will pick for config.device (the same rules as
// native/src/backend/make_backend.cc), with its free memory and the share of it a run may plan to use.
import { freemem, totalmem } from 'node:os';
import type { VulkanDeviceInfo } from '../../api/contract';
import { BUDGET_SHARE } from '../../models/fit';

/** A GPU keeps a little for the driver, the display and other programs' surfaces. */
export const GPU_BUDGET_SHARE = 0.9;

export interface FitDevice {
  kind: 'cpu' | 'vulkan';
  /** "CPU (system memory)" or the GPU's name. */
  name: string;
  /** Vulkan device index (vulkan only). */
  index?: number;
  freeBytes: number;
  totalBytes: number;
  budgetBytes: number;
}

const RANK: Record<VulkanDeviceInfo['type'], number> = { discrete: 0, integrated: 1, virtual: 2, cpu: 3, other: 4 };

/** The Vulkan device the engine opens for 'vulkan' (best usable), 'vulkan:N' or 'auto' (first discrete), or null. */
export function pickVulkanDevice(device: string, devices: VulkanDeviceInfo[]): VulkanDeviceInfo | null {
  const usable = devices.filter((d) => d.usable);
  if (device === 'auto') return usable.find((d) => d.type === 'discrete') ?? null;
  if (device === 'vulkan') return [...usable].sort((a, b) => RANK[a.type] - RANK[b.type] || a.index - b.index)[0] ?? null;
  const m = /^vulkan:(\d+)$/.exec(device);
  if (m) return usable.find((d) => d.index === Number(m[1])) ?? null;
  return null;
}

export function fitDevice(device: string, vulkanDevices: VulkanDeviceInfo[]): FitDevice {
  const gpu = device === 'cpu' ? null : pickVulkanDevice(device, vulkanDevices);
  if (gpu) {
    // VK_EXT_memory_budget's figure already subtracts what other processes hold; without it, the heap size.
    const free = gpu.budgetBytes ?? gpu.vramBytes;
    return { kind: 'vulkan', name: gpu.name, index: gpu.index, freeBytes: free, totalBytes: gpu.vramBytes, budgetBytes: Math.floor(free * GPU_BUDGET_SHARE) };
  }
  const free = freemem();
  return { kind: 'cpu', name: 'CPU (system memory)', freeBytes: free, totalBytes: totalmem(), budgetBytes: Math.floor(free * BUDGET_SHARE) };
}
