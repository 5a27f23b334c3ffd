// A flag given empty (`--keys ''`, an unset shell variable) is refused by name, as ltv run's are (README
// "Command line"): taken as given, `--jobs ''` looked jobs up in the current folder and `--keys ''` named
// no file at all (": is a directory").
import { AppError } from '../config/AppError.js';

/** Each [flag, value as given (undefined: not given), what it takes]. */
export function refuseEmpty(flags: readonly (readonly [string, string | undefined, string])[]): void {
  for (const [name, value, takes] of flags) {
    if (value !== undefined && value.trim() === '') throw new AppError('CONFIG', `${name}: empty; give ${takes}`);
  }
}
