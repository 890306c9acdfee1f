/**
 * Side-by-side sampling. Absolute times on a shared machine drift with whatever else runs, so
 * every figure here is a ratio of two things measured in the same rounds: each round runs every
 * contender once, and the order rotates so that no contender always goes first or last.
 */

/** Milliseconds since an arbitrary origin, with sub-microsecond resolution. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `work` once and resolves with how long it took, in milliseconds. */
export async function timed(work) {
  const start = nowMs();
  await work();
  return nowMs() - start;
}

/**
 * Runs each contender once per round for `rounds` rounds, after `warmup` rounds that are thrown
 * away (they fill the page cache and let the JIT settle). A contender resolves with its own
 * duration in milliseconds, so set-up outside the timed part is not counted.
 *
 * @param {Record<string, () => Promise<number>>} contenders
 * @returns {Promise<Record<string, number[]>>} the samples of each contender, in round order
 */
export async function alternate(contenders, { rounds, warmup = 1 }) {
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((name) => [name, []]));

  for (let round = 0; round < warmup + rounds; round += 1) {
    for (let turn = 0; turn < names.length; turn += 1) {
      const name = names[(round + turn) % names.length];
      const duration = await contenders[name]();
      if (round >= warmup) samples[name].push(duration);
    }
  }
  return samples;
}

/** The value below which a fraction `q` of the samples lie (linear interpolation). */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export function median(values) {
  return quantile(values, 0.5);
}

/** Median with the interquartile range, as `12.3 ms (11.9–13.0)`. */
export function describeSamples(values, unit = 'ms', digits = 1) {
  const [low, mid, high] = [0.25, 0.5, 0.75].map((q) => quantile(values, q).toFixed(digits));
  return `${mid} ${unit} (IQR ${low}–${high}, n=${values.length})`;
}

/**
 * The ratio of two contenders measured in the same rounds: the median of the per-round ratios,
 * which cancels drift that affects both halves of a round alike.
 */
export function pairedRatio(numerator, denominator) {
  const ratios = numerator.map((value, index) => value / denominator[index]);
  return median(ratios);
}
