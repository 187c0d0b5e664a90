/** The only verbs Elava's readers may call. Anything else is refused before it is sent. */
export const READ_ONLY = /^(Describe|List|Get)[A-Z]/;

export class WriteRefusedError extends Error {
  constructor(readonly operation: string) {
    super(
      `refused to call ${operation}: not a read (Describe*, List*, Get*) nor one of the writes this client may make`,
    );
    this.name = 'WriteRefusedError';
  }
}

export function operationOf(commandName: string | undefined): string {
  return (commandName ?? 'UnknownCommand').replace(/Command$/, '');
}
