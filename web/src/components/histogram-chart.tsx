import { useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { useUPlot } from './use-uplot.js';

export interface HistogramSeries {
  label: string;
  color: string;
  /** One count per bucket. */
  counts: number[];
}

export interface HistogramChartProps {
  title: string;
  /** One label per bucket, e.g. "≤ 5 min". */
  labels: string[];
  series: HistogramSeries[];
  height?: number;
}

/** Bars per bucket (uPlot) for one or two series side by side, sized to its container. */
export function HistogramChart({ title, labels, series, height = 220 }: HistogramChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const shape = `${labels.join('|')}/${series.map((s) => s.label).join('|')}`;

  const data = useMemo(
    () => [labels.map((_, i) => i), ...series.map((s) => s.counts)] as uPlot.AlignedData,
    [labels, series],
  );
  useUPlot(
    box,
    shape,
    height,
    (boxWidth) => {
      const n = series.length;
      const width = n === 2 ? 0.4 : 0.8;
      const opts: uPlot.Options = {
        width: boxWidth,
        height,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color,
            fill: `${s.color}cc`,
            width: 1,
            points: { show: false },
            // Two series sit side by side in a bucket: the first left of its centre, the second right.
            paths: uPlot.paths.bars!({
              size: [width, 64],
              align: n === 2 ? (i === 0 ? -1 : 1) : 0,
            }),
          })),
        ],
        scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
        axes: [
          {
            splits: () => labels.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
            gap: 4,
          },
          { label: 'trips', size: 50 },
        ],
        legend: { live: false },
      };
      return opts;
    },
    data,
  );

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
