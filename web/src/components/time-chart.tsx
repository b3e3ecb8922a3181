import { useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import { useUPlot } from './use-uplot.js';

export interface TimeSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

export interface TimeChartProps {
  title: string;
  /** Epoch ms, ascending; one per value of each series. */
  times: number[];
  series: TimeSeries[];
  /** Unit shown on the y axis. */
  unit?: string;
  height?: number;
}

/** A live-updating line chart over time (uPlot), sized to its container. */
export function TimeChart({ title, times, series, unit = '', height = 200 }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const shape = `${series.map((s) => s.label).join('|')}/${unit}`;
  const data = useMemo(
    () => [times.map((t) => t / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData,
    [times, series],
  );
  useUPlot(
    box,
    shape,
    height,
    (width) => ({
      width,
      height,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: false },
        })),
      ],
      axes: [{}, { label: unit, size: 60 }],
      scales: { x: { time: true } },
      legend: { live: false },
    }),
    data,
  );

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
