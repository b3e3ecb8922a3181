import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

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
  const plot = useRef<uPlot | null>(null);
  const shape = `${labels.join('|')}/${series.map((s) => s.label).join('|')}`;

  useEffect(() => {
    if (!box.current) return;
    const n = series.length;
    const width = n === 2 ? 0.4 : 0.8;
    const opts: uPlot.Options = {
      width: box.current.clientWidth || 400,
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
    plot.current = new uPlot(opts, [labels.map((_, i) => i), ...series.map(() => [])], box.current);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: box.current?.clientWidth ?? 400, height }),
    );
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuild only when buckets or series change; counts go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([labels.map((_, i) => i), ...series.map((s) => s.counts)]);
  }, [labels, series]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
