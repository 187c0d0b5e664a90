export interface ConfigProblem {
  /** Dotted key path, e.g. `scanning.tiers.critical.scan_interval`; empty for the whole file. */
  path: string;
  message: string;
}

/** A refused configuration: names the file and every problem with its key path. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `invalid configuration ${file}:\n${problems
        .map((p) => `  - ${p.path === '' ? '(top level)' : p.path}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}
