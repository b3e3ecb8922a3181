import { useEffect, useRef, type RefObject } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * One uPlot chart in `box`, sized to it: built by `options(width)` whenever `shape` changes,
 * and fed with `data` on every render that changes it.
 */
export function useUPlot(
  box: RefObject<HTMLDivElement | null>,
  shape: string,
  height: number,
  options: (width: number) => uPlot.Options,
  data: uPlot.AlignedData,
) {
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current = new uPlot(
      latest.current(el.clientWidth || 400),
      data.map(() => []) as unknown as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: el.clientWidth || 400, height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the chart's shape changes; data goes through setData below.
  }, [box, shape, height, data.length]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
}
