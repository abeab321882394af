/**
 * How many runs each property gets: a default small enough for the everyday suite, or
 * `HATCHWAY_FUZZ_RUNS` for a long run. Properties on real timers cost tens of milliseconds a run
 * (they wait for the timers), so a long run gives them a hundredth of that count (at least their
 * default). `HATCHWAY_FUZZ_SEED` (with `HATCHWAY_FUZZ_PATH`) replays a reported failure. Long runs
 * get a jest timeout to match.
 */
import type fc from 'fast-check';

function positiveInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${text}`);
  return value;
}

const override = positiveInteger('HATCHWAY_FUZZ_RUNS');

export type RunCost = 'virtual-time' | 'real-time';

function runs(defaultRuns: number, cost: RunCost): number {
  if (override === undefined) return defaultRuns;
  return cost === 'virtual-time' ? override : Math.max(defaultRuns, Math.ceil(override / 100));
}

/** fast-check parameters for a property whose default is `defaultRuns`. */
export function fuzzParameters<T>(defaultRuns: number, cost: RunCost = 'virtual-time'): fc.Parameters<T> {
  const seed = process.env.HATCHWAY_FUZZ_SEED;
  const path = process.env.HATCHWAY_FUZZ_PATH;
  return {
    numRuns: runs(defaultRuns, cost),
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
    ...(path !== undefined && path !== '' ? { path } : {}),
  };
}

/** A jest timeout for such a property, whose runs take up to `msPerRun` each. */
export function fuzzTimeout(defaultRuns: number, msPerRun: number, cost: RunCost = 'virtual-time'): number {
  return Math.max(20_000, runs(defaultRuns, cost) * msPerRun * 4);
}
