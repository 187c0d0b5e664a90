/**
 * On-demand list prices (USD) per region, for estimating what a change costs per month. Every number
 * comes from price-table.json, which scripts/prices/extract.mjs builds from a published dataset (its
 * `source` names the package, version and date); nothing here is typed by hand. Whatever the table
 * lacks (a type, a class, a region, an engine) yields undefined: no estimate, never a guess.
 *
 * Not covered, because no published source reachable here has it: EBS volumes and RDS storage per
 * GB-month (ebsMonthly and rdsStorageMonthly always return undefined), and the RDS engines whose
 * prices the dataset does not tell apart (Aurora, Oracle, SQL Server, Db2).
 */
import { readFileSync } from 'node:fs';

const HOURS_PER_MONTH = 730;

type Hourly = Record<string, Record<string, number>>;
export interface PriceTable {
  source: Record<string, string>;
  /** region → instance type → USD/hour (Linux, shared tenancy). */
  ec2: Hourly;
  /** region → engine (AWS engine identifier) → instance class → USD/hour (Single-AZ). */
  rds: Record<string, Hourly>;
}

/**
 * Read, not imported: the project's tsconfig includes `src` (TypeScript files only), and a composite
 * project refuses an imported JSON file it does not list (TS6307). The path goes through `../src`, so
 * it names the same file from src/ (vitest, tsx) and from dist/ (the build, which does not copy it).
 */
export const PRICES = JSON.parse(
  readFileSync(new URL('../src/price-table.json', import.meta.url), 'utf8'),
) as PriceTable;

function own<T>(o: Record<string, T> | undefined, key: string | undefined): T | undefined {
  return o !== undefined && key !== undefined && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Monthly price of an EC2 instance type in a region (Linux, on-demand). */
export function ec2Monthly(type: string | undefined, region: string | undefined): number | undefined {
  const h = own(own(PRICES.ec2, region), type);
  return h === undefined ? undefined : h * HOURS_PER_MONTH;
}

/**
 * Monthly price of an RDS instance class in a region for an engine as RDS names it (`mysql`,
 * `postgres`, `mariadb`). No engine, or one the table does not price, gives undefined: the price
 * depends on the engine and is not guessed from another.
 */
export function rdsMonthly(
  cls: string | undefined,
  region: string | undefined,
  engine: string | undefined,
): number | undefined {
  const h = own(own(own(PRICES.rds, region), engine), cls);
  return h === undefined ? undefined : h * HOURS_PER_MONTH;
}

/** EBS per GB-month: the dataset has no EBS prices, so there is no estimate. */
export function ebsMonthly(
  _volumeType: string | undefined,
  _sizeGib: number | undefined,
  _region: string | undefined,
): number | undefined {
  return undefined;
}

/** RDS storage per GB-month: the dataset has no RDS storage prices, so there is no estimate. */
export function rdsStorageMonthly(
  _gib: number | undefined,
  _region: string | undefined,
  _engine: string | undefined,
): number | undefined {
  return undefined;
}
