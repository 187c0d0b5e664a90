/** Where a command writes, and the facts it may read: injectable, so commands test without a terminal. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Colours and tables when a person is watching; plain when piped. */
  tty: boolean;
}

export const processIo = (): Io => ({
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  env: process.env,
  cwd: process.cwd(),
  tty: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
});

/** Exit codes that mean something: 0 ok, 1 a finding, 2 usage or connection error. */
export const EXIT = { ok: 0, finding: 1, usage: 2 } as const;

/** An error the CLI reports as is, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
