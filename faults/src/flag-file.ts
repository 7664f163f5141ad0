/** The flagd flag file that holds the fault switches: read the current values, write, clear, apply a preset, parse a value. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PRESETS, SCENARIOS, scenario, type FaultValue } from './catalog.js';
import { instanceScopedService, instanceTargeting } from './instance-scope.js';

/** The flag file in the repo: what `npm run stack` serves its services, and compose's flagd too. */
export const REPO_FLAG_FILE = fileURLToPath(new URL('../../flags/paytrace.flagd.json', import.meta.url));

/** A flag in flagd's file format (https://flagd.dev/reference/flag-definitions/). */
interface FlagDefinition {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, FaultValue>;
  defaultVariant: string;
  /** A flagd targeting rule (JSONLogic); paytrace writes one only to scope a fault to some instances (instance-scope.ts). */
  targeting?: unknown;
}

interface FlagFile {
  $schema?: string;
  flags: Record<string, FlagDefinition>;
}

/**
 * Every fault switch has two variants, `off` and `on`; switching sets `defaultVariant`, and a
 * numeric value is written into the `on` variant. So the file stays a plain flagd file that the
 * OpenTelemetry Demo's tools (and flagd itself) read as they are.
 */
export function readFlagFile(file: string): FlagFile {
  return JSON.parse(readFileSync(file, 'utf8')) as FlagFile;
}

/** Each flag's current value (its default variant's), by flag key. */
export function currentFaults(file: string): Map<string, FaultValue> {
  const values = new Map<string, FaultValue>();
  for (const [key, flag] of Object.entries(readFlagFile(file).flags)) {
    values.set(key, flag.state === 'ENABLED' ? (flag.variants[flag.defaultVariant] ?? flag.variants.off!) : flag.variants.off!);
  }
  return values;
}

/** Whether a value means "off" for its flag (false, or 0). */
export const isOff = (value: FaultValue | undefined): boolean => value === undefined || value === false || value === 0;

/**
 * Parses what a person typed after the flag: on/off/true/false for switches, a non-negative number
 * for numeric ones (`on` means the scenario's example value). Throws a message fit for a CLI.
 */
export function parseFaultValue(flag: string, text: string): FaultValue {
  const known = scenario(flag);
  if (!known) throw new Error(`unknown fault "${flag}"; known: ${SCENARIOS.map((s) => s.flag).join(', ')}`);
  if (text === 'off' || text === 'false') return known.type === 'boolean' ? false : 0;
  if (text === 'on' || text === 'true') return known.onValue;
  if (known.type === 'boolean') throw new Error(`${flag} is a switch: on or off, not "${text}"`);
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) throw new Error(`${flag} takes a number ≥ 0 (${known.unit}), not "${text}"`);
  if (known.unit === 'share of requests' && value > 1) throw new Error(`${flag} is a share of requests, 0 to 1, not ${text}`);
  return value;
}

/**
 * Sets flags (the others unchanged; with `othersOff`, every other flag off) and writes the file
 * atomically: a rename, so a service never reads half a file. With `instances` (service.instance.id
 * values, e.g. `balance-2`), a flag switched on is on for those instances only: a flagd targeting
 * rule, its default variant staying `off` (so whatever ignores targeting sees it off).
 */
export function writeFaults(
  file: string,
  values: Readonly<Record<string, FaultValue>>,
  options: { othersOff?: boolean; instances?: readonly string[] } = {},
): void {
  const flags = readFlagFile(file);
  const scoped = options.instances?.length ? options.instances : undefined;
  if (scoped) {
    for (const key of Object.keys(values)) {
      const service = instanceScopedService(key);
      if (!service) throw new Error(`${key} cannot be scoped to an instance: one proxy in front of stripe-mock serves every replica`);
      // A replica's id as the dev stack names it (`auth-2`) is checked; any other id (a UUID) is taken as it is.
      const foreign = scoped.filter((id) => /^(auth|balance|payments|gateway)-\d+$/.test(id) && !id.startsWith(`${service}-`));
      if (foreign.length) throw new Error(`${key} is ${service}'s: ${foreign.join(', ')} is not one of its instances (e.g. ${service}-2)`);
    }
  }
  for (const [key, flag] of Object.entries(flags.flags)) {
    const value = values[key];
    if (value === undefined) {
      if (options.othersOff) {
        flag.defaultVariant = 'off';
        delete flag.targeting;
      }
      continue;
    }
    delete flag.targeting;
    if (isOff(value)) {
      flag.defaultVariant = 'off';
    } else {
      if (typeof value === 'number') flag.variants.on = value;
      flag.defaultVariant = scoped ? 'off' : 'on';
      if (scoped) flag.targeting = instanceTargeting(scoped);
    }
  }
  for (const key of Object.keys(values)) {
    if (!flags.flags[key]) throw new Error(`${file} has no flag "${key}"`);
  }
  writeFlagFile(file, flags);
}

/** Atomically: a rename, so a service never reads half a file. */
function writeFlagFile(file: string, flags: FlagFile): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(flags, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Every fault off: the healthy stack (and the file as committed: each `on` back to its example), in one write. */
export function clearFaults(file: string): void {
  const flags = readFlagFile(file);
  for (const [key, flag] of Object.entries(flags.flags)) {
    const example = scenario(key)?.onValue;
    if (example !== undefined) flag.variants.on = example;
    flag.defaultVariant = 'off';
    delete flag.targeting;
  }
  writeFlagFile(file, flags);
}

/** A preset (e.g. `lesson`): its flags on with its values, every other flag off. */
export function applyPreset(file: string, name: string): void {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset "${name}"; known: ${Object.keys(PRESETS).join(', ')}`);
  writeFaults(file, preset, { othersOff: true });
}
