import { InvalidInputError, quoteForMessage } from './errors.js';

/**
 * The ranges a front end accepts for the numeric settings it reads as text (action inputs,
 * command-line flags), so every front end agrees. Each upper bound also stays within what a
 * Node.js timer can hold: a longer one fires at once, and retries would ignore their waits.
 */
export const SETTING_RANGES = {
  'min-ttl-seconds': [0, 86_400],
  'timeout-seconds': [1, 3_600],
  'max-attempts': [1, 20],
} as const satisfies Record<string, readonly [number, number]>;

/** A numeric setting read as text. */
export type RangedSetting = keyof typeof SETTING_RANGES;

/**
 * Reads a whole number for a setting and checks it against {@link SETTING_RANGES}.
 * @throws {InvalidInputError} naming the setting and its range.
 */
export function readWholeNumber(setting: RangedSetting, text: string): number {
  const [min, max] = SETTING_RANGES[setting];
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new InvalidInputError(
      setting,
      `${setting} must be a whole number from ${min} to ${max}, not ${quoteForMessage(text, 40)}`,
    );
  }
  return value;
}
