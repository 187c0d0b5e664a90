#!/usr/bin/env node
// Builds services/detector/src/price-table.json from a published dataset; no price in it is typed by hand.
//
// Source: the ec2instances.info data (instances.vantage.sh, built from the AWS Price List), as bundled in
// the Go module github.com/cristim/ec2-instances-info (Unlicense) under data/instances.json and
// data/rds-instances.json. The module is pinned below, fetched from the Go module proxy and checked
// against its go.sum hash. To refresh: pick a newer version (`go list -m -json
// github.com/cristim/ec2-instances-info@latest`), set MODULE_VERSION and MODULE_SUM, run this script.
//
//   node scripts/prices/extract.mjs            # runs `go mod download -json <module>@<version>` itself
//   node scripts/prices/extract.mjs DIR        # or reads an already unpacked copy of the module at DIR
//
// What the table holds (and what it leaves out, because the dataset does not have it):
// - ec2: on-demand USD/hour, Linux, shared tenancy (`pricing[region].linux.ondemand`), per region.
// - rds: on-demand USD/hour, Single-AZ, per region and engine, for MySQL, PostgreSQL and MariaDB only.
//   The dataset's named keys for those three are exactly its per-engineCode prices (checked below). Its
//   named keys for Aurora, Oracle, SQL Server and Db2 each stand for several editions or storage
//   configurations (the last one written wins), so they are left out rather than guessed.
// - No EBS and no RDS storage prices: the dataset has none, and no package reachable here has them.
// Pseudo-regions (Local Zones such as us-west-2-lax-1) are dropped: a resource's region is never one.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULE = 'github.com/cristim/ec2-instances-info';
const MODULE_VERSION = 'v0.0.0-20250528091325-32acf84f42eb';
const MODULE_SUM = 'h1:exJ9FsMTbotSG5xgDHmFJE84gV3MZ4JRpR8nhbgJz/k=';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '../../services/detector/src/price-table.json');

/** The dataset's engine names → AWS RDS engine identifiers (DescribeDBInstances' Engine). */
const RDS_ENGINES = { MySQL: 'mysql', PostgreSQL: 'postgres', MariaDB: 'mariadb' };
/** The AWS Price List engineCode each of those names carries in the dataset (checked, not trusted). */
const RDS_ENGINE_CODES = { MySQL: '2', PostgreSQL: '14', MariaDB: '18' };

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d+$/;

function moduleDir() {
  if (process.argv[2]) return { dir: process.argv[2], time: undefined };
  const out = execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${MODULE_VERSION}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(out);
  if (info.Error) throw new Error(info.Error);
  if (info.Sum !== MODULE_SUM) throw new Error(`${MODULE}@${MODULE_VERSION}: hash ${info.Sum}, expected ${MODULE_SUM}`);
  const time = JSON.parse(readFileSync(info.Info, 'utf8')).Time;
  return { dir: info.Dir, time };
}

/** A price as the source gives it (a string or a number), or undefined when it is not a positive price. */
function price(v) {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function sortKeys(o) {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

const { dir, time } = moduleDir();
const ec2Data = JSON.parse(readFileSync(join(dir, 'data/instances.json'), 'utf8'));
const rdsData = JSON.parse(readFileSync(join(dir, 'data/rds-instances.json'), 'utf8'));

const ec2 = {};
for (const it of ec2Data) {
  for (const [region, p] of Object.entries(it.pricing ?? {})) {
    const h = price(p?.linux?.ondemand);
    if (!REGION.test(region) || h === undefined) continue;
    ec2[region] ??= {};
    ec2[region][it.instance_type] = h;
  }
}

const rds = {};
for (const it of rdsData) {
  for (const [region, p] of Object.entries(it.pricing ?? {})) {
    if (!REGION.test(region)) continue;
    for (const [name, engine] of Object.entries(RDS_ENGINES)) {
      const h = price(p?.[name]?.ondemand);
      if (h === undefined) continue;
      const byCode = price(p?.[RDS_ENGINE_CODES[name]]?.ondemand);
      if (byCode !== h) throw new Error(`${it.instance_type} ${region} ${name}: ${h} but engineCode gives ${byCode}`);
      rds[region] ??= {};
      rds[region][engine] ??= {};
      rds[region][engine][it.instance_type] = h;
    }
  }
}

const table = {
  source: {
    dataset: 'ec2instances.info (instances.vantage.sh), from the AWS Price List',
    package: `Go module ${MODULE}`,
    version: MODULE_VERSION,
    sum: MODULE_SUM,
    published: time ?? '2025-05-28T09:21:47Z',
    files: 'data/instances.json (ec2), data/rds-instances.json (rds)',
    license: 'Unlicense',
    currency: 'USD',
    ec2: 'on-demand per hour, Linux, shared tenancy',
    rds: 'on-demand per hour, Single-AZ; engines mysql, postgres, mariadb',
    not_covered: 'EBS volumes and RDS storage (no price in the dataset); Aurora, Oracle, SQL Server, Db2',
    generated_by: 'scripts/prices/extract.mjs',
  },
  ec2: sortKeys(Object.fromEntries(Object.entries(ec2).map(([r, t]) => [r, sortKeys(t)]))),
  rds: sortKeys(
    Object.fromEntries(
      Object.entries(rds).map(([r, e]) => [
        r,
        sortKeys(Object.fromEntries(Object.entries(e).map(([k, c]) => [k, sortKeys(c)]))),
      ]),
    ),
  ),
};

writeFileSync(OUT, `${JSON.stringify(table, null, 2)}\n`);
const count = (o, depth) => (depth === 0 ? 1 : Object.values(o).reduce((s, v) => s + count(v, depth - 1), 0));
console.log(
  `${OUT}: ec2 ${count(table.ec2, 2)} prices in ${Object.keys(table.ec2).length} regions, ` +
    `rds ${count(table.rds, 3)} prices in ${Object.keys(table.rds).length} regions`,
);
