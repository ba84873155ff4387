// Exponential backoff with full jitter: after n failures, wait a random time in
// [ceiling / 2, ceiling] where ceiling = min(max, base · 2^(n-1)). Jitter keeps a shelter
// full of phones that regain signal together from hitting the server in step.

export const BASE_MS = 5000;
export const MAX_MS = 10 * 60 * 1000;

export function backoffDelay(failures, { base = BASE_MS, max = MAX_MS, random = Math.random } = {}) {
  if (failures <= 0) return 0;
  const ceiling = Math.min(max, base * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
