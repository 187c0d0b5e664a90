import type { Severity } from './decision.js';

/** `/v1/stats`: what the overview shows: the estate now, how fast it changes, and what is wrong with it. */
export interface EstateStats {
  revision: number;
  time: string | null;
  resources: number;
  by_type: Record<string, number>;
  by_account: Record<string, number>;
  by_region: Record<string, number>;
  /** Versions recorded per hour of the window, oldest hour first (every hour present, zeros too). */
  changes_per_hour: { hour: string; added: number; modified: number; removed: number }[];
  /**
   * Findings (decisions a policy made) decided within the window, the latest per resource and
   * policy package, on resources that still exist: the trail records findings, not fixes, so a
   * finding fixed since is counted until the window passes it.
   */
  findings: Record<Severity, number>;
  since: string;
}
