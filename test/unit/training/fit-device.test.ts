// The fit check holds the plan against the memory of the device the engine will pick: the same choice as
// make_backend.cc for auto / vulkan / vulkan:N, a GPU's budget (or heap size) with 10% kept back, else system memory.
import { describe, expect, it } from 'vitest';
import type { VulkanDeviceInfo } from '../../../main/api/contract';
import { fitDevice, pickVulkanDevice } from '../../../main/host/trainer/fit-device';

const GiB = 1024 ** 3;
function dev(index: number, type: VulkanDeviceInfo['type'], vram: number, extra: Partial<VulkanDeviceInfo> = {}): VulkanDeviceInfo {
  return {
    index, name: `${type} ${index}`, type, vramBytes: vram * GiB, apiVersion: '1.3.0', driverName: 'd', driverInfo: '', driverVersion: 1,
    subgroupSize: 32, sharedMemoryBytes: 49152, cooperativeMatrix: { nv: false, khr: false }, fp16: true, usable: true, ...extra,
  };
}

const lavapipe = dev(0, 'cpu', 24);
const igpu = dev(1, 'integrated', 8);
const rtx = dev(2, 'discrete', 24, { budgetBytes: 20 * GiB });

describe('fit device', () => {
  it('auto takes the first usable discrete GPU and nothing else', () => {
    expect(pickVulkanDevice('auto', [lavapipe, igpu, rtx])?.index).toBe(2);
    expect(pickVulkanDevice('auto', [lavapipe, igpu])).toBeNull();
    expect(pickVulkanDevice('auto', [{ ...rtx, usable: false, reason: 'Vulkan 1.1' }])).toBeNull();
  });

  it('vulkan takes the best usable device, vulkan:N exactly device N', () => {
    expect(pickVulkanDevice('vulkan', [lavapipe, igpu])?.index).toBe(1);
    expect(pickVulkanDevice('vulkan', [lavapipe])?.index).toBe(0);
    expect(pickVulkanDevice('vulkan:0', [lavapipe, rtx])?.index).toBe(0);
    expect(pickVulkanDevice('vulkan:7', [lavapipe, rtx])).toBeNull();
    expect(pickVulkanDevice('cpu', [rtx])).toBeNull();
  });

  it("a GPU's memory budget (else its heap) is what counts, 90% of it usable", () => {
    const f = fitDevice('auto', [lavapipe, rtx]);
    expect(f).toMatchObject({ kind: 'vulkan', name: 'discrete 2', index: 2, freeBytes: 20 * GiB, totalBytes: 24 * GiB });
    expect(f.budgetBytes).toBe(Math.floor(20 * GiB * 0.9));
    expect(fitDevice('vulkan:1', [igpu]).freeBytes).toBe(8 * GiB);
  });

  it('the CPU and its free system memory otherwise', () => {
    const f = fitDevice('auto', [lavapipe]);
    expect(f.kind).toBe('cpu');
    expect(f.budgetBytes).toBeLessThan(f.freeBytes);
    expect(fitDevice('cpu', [rtx]).kind).toBe('cpu');
  });
});
