/** What a rule requires of an input (dispatch.mjs): types null means any type. */
export interface Guard {
  types: string[] | null;
  change: boolean;
}

export declare function analysePackage(
  opa: string,
  dir: string,
  rules: string[],
): { guards: Record<string, Guard>; time: boolean };
