import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

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
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      width: box.current.clientWidth || 400,
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
    };
    plot.current = new uPlot(opts, [[], ...series.map(() => [])], box.current);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: box.current?.clientWidth ?? 400, height }),
    );
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuild only when the set of series changes; data updates go through setData below.
  }, [shape, height, unit]);

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => s.values)]);
  }, [times, series]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
