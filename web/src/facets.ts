import { useEffect, useState } from 'preact/hooks';
import { get } from './api';
import type { Stats } from './model';

export interface Facets {
  types: string[];
  accounts: string[];
  regions: string[];
}

let cached: { at: number; facets: Promise<Facets> } | null = null;

/** The types, accounts and regions the estate has now (for the filters' choices), asked once a minute at most. */
export function useFacets(): Facets {
  const [f, setF] = useState<Facets>({ types: [], accounts: [], regions: [] });
  useEffect(() => {
    if (!cached || Date.now() - cached.at > 60_000) {
      cached = {
        at: Date.now(),
        facets: get<Stats>('/v1/stats').then((s) => ({
          types: Object.keys(s.by_type),
          accounts: Object.keys(s.by_account),
          regions: Object.keys(s.by_region),
        })),
      };
      cached.facets.catch(() => {
        cached = null;
      });
    }
    let live = true;
    cached.facets.then(
      (v) => live && setF(v),
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);
  return f;
}
