// Parses a device string (--device, TrainingConfig.device) into what the engine's make_backend accepts, with advice.
import { LatheError } from './errors';

/** Device strings: 'cpu', 'auto' (a GPU backend when one is built in, else the CPU), 'vulkan' or 'vulkan:N'. */
export type EngineDevice = 'cpu' | 'auto' | 'vulkan' | `vulkan:${number}`;

/** The pattern TrainingConfig validates `device` against (same set as parseDevice). */
export const DEVICE_PATTERN = /^(auto|cpu|vulkan(:\d+)?)$/;

/**
 * Checks the spelling only; whether the backend is built in and the device exists is the engine's answer at load
 * (a clear error naming the accepted values), so a build that gains a backend needs no change here.
 */
export function parseDevice(value: string, where = '--device'): EngineDevice {
  const v = value.trim().toLowerCase();
  if (!DEVICE_PATTERN.test(v)) {
    throw new LatheError('invalid_option', `${where} must be auto, cpu, vulkan or vulkan:N (got "${value}")`, 'Use --device cpu, or auto to pick the first GPU when a GPU backend is built in.');
  }
  return v as EngineDevice;
}
