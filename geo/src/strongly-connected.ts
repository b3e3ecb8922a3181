/**
 * Strongly connected components of a directed graph (Tarjan's algorithm, iterative so a long
 * road chain cannot overflow the call stack). Returns each node's component and their count.
 */
export function stronglyConnected(adj: readonly (readonly number[])[]): {
  component: Int32Array;
  count: number;
} {
  const n = adj.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const component = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  // The DFS path: a node and the position of the next neighbour to look at.
  const path: number[] = [];
  const next: number[] = [];
  let counter = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    path.push(root);
    next.push(0);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (path.length > 0) {
      const v = path.at(-1)!;
      const i = next[next.length - 1]!;
      const out = adj[v]!;
      if (i < out.length) {
        next[next.length - 1] = i + 1;
        const w = out[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          path.push(w);
          next.push(0);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      path.pop();
      next.pop();
      const parent = path.at(-1);
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
      if (low[v] !== index[v]) continue;
      for (;;) {
        const w = stack.pop()!;
        onStack[w] = 0;
        component[w] = count;
        if (w === v) break;
      }
      count++;
    }
  }
  return { component, count };
}

/** Marks the nodes of the largest strongly connected component. */
export function largestStronglyConnected(adj: readonly (readonly number[])[]): {
  keep: Uint8Array;
  components: number;
  size: number;
} {
  const { component, count } = stronglyConnected(adj);
  const sizes = new Int32Array(count);
  for (const c of component) sizes[c]!++;
  let best = 0;
  for (let c = 1; c < count; c++) if (sizes[c]! > sizes[best]!) best = c;
  return {
    keep: Uint8Array.from(component, (c) => (c === best ? 1 : 0)),
    components: count,
    size: count > 0 ? sizes[best]! : 0,
  };
}
