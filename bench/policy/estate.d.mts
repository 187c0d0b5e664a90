/** The bench's synthetic estate (estate.mjs). */
export declare const NOW: string;
export declare function resource(i: number): Record<string, unknown> & { id: string; type: string };
export declare function syntheticInputs(
  n: number,
  now?: string,
): { resource: Record<string, unknown> & { id: string; type: string }; now: string }[];
