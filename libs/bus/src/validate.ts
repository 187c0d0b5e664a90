import type { z } from 'zod';

/** Raised for a message that does not match its schema: never retried, always named. */
export class InvalidMessageError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`invalid message on ${where}: ${problems.join('; ')}`);
    this.name = 'InvalidMessageError';
  }
}

export function parseMessage<T>(schema: z.ZodType<T>, data: unknown, where: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new InvalidMessageError(
    where,
    result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`),
  );
}
