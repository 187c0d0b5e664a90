import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface HourBucket {
  hour: string;
  added: number;
  modified: number;
  removed: number;
}

/** Versions recorded per hour as stacked bars (uPlot draws on a canvas: nothing inline to allow). */
export function ChangesChart({ hours }: { hours: HourBucket[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || hours.length === 0) return;
    const x = hours.map((h) => Date.parse(h.hour) / 1000);
    const added = hours.map((h) => h.added);
    const modified = hours.map((h) => h.added + h.modified);
    const removed = hours.map((h) => h.added + h.modified + h.removed);
    const bars = uPlot.paths.bars?.({ size: [0.8, 40] });
    const series = (label: keyof Omit<HourBucket, 'hour'>, color: string): uPlot.Series => ({
      label,
      // The bars are stacked; the legend says each kind's own count: the hour's under the cursor,
      // the whole window's otherwise.
      value: (_u, _v, _s, i) =>
        String(i === null || i === undefined ? hours.reduce((n, h) => n + h[label], 0) : (hours[i]?.[label] ?? '')),
      stroke: color,
      fill: color,
      width: 0,
      paths: bars,
      points: { show: false },
    });
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 320),
        height: 220,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] } },
        axes: [
          { stroke: '#8a94a6', grid: { stroke: '#2a3140' } },
          { stroke: '#8a94a6', grid: { stroke: '#2a3140' } },
        ],
        // Drawn back to front: the total first, so each smaller stack shows over it.
        series: [
          { label: 'hour', value: (_u, v) => (v === null ? 'last 24 h' : new Date(v * 1000).toLocaleString()) },
          series('removed', '#e0565b'),
          series('modified', '#e3b341'),
          series('added', '#3fb970'),
        ],
      },
      [x, removed, modified, added],
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(el.clientWidth, 320), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [hours]);
  return <div class="chart" ref={box} />;
}
