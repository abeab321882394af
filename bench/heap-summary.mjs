/*
 * A V8 heap snapshot (`v8.writeHeapSnapshot()`) summarized by object kind, for bench/idle-heap.mjs:
 * the count and self (shallow) size of every kind, and the retained size of every object, from the
 * dominator tree of the graph without its weak edges (what DevTools' "Retained Size" column shows,
 * computed the same way: an object retains what every path from the roots to it goes through it).
 *
 * A kind is the node type and, for objects, closures and the like, its constructor or function name
 * (`object:Socket`, `closure:onread`, `code`, `string`...).
 */
import fs from 'node:fs';

const NAMED = new Set(['object', 'closure', 'native', 'hidden', 'array', 'regexp', 'synthetic', 'object shape']);

/** The snapshot's graph in typed arrays. */
export function loadSnapshot(file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = raw.snapshot.meta;
  const nf = meta.node_fields;
  const ef = meta.edge_fields;
  const nodeTypes = meta.node_types[nf.indexOf('type')];
  const edgeTypes = meta.edge_types[ef.indexOf('type')];
  const stride = nf.length;
  const estride = ef.length;
  const count = raw.nodes.length / stride;
  const f = {
    type: nf.indexOf('type'), name: nf.indexOf('name'), size: nf.indexOf('self_size'), edges: nf.indexOf('edge_count'),
  };
  const e = { type: ef.indexOf('type'), to: ef.indexOf('to_node') };
  const weak = edgeTypes.indexOf('weak');
  const kind = new Int32Array(count);
  const selfSize = new Float64Array(count);
  const firstEdge = new Int32Array(count + 1);
  const kinds = [];
  const kindIds = new Map();
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const base = i * stride;
    const type = nodeTypes[raw.nodes[base + f.type]];
    const name = NAMED.has(type) ? String(raw.strings[raw.nodes[base + f.name]]).slice(0, 60) : '';
    const key = name === '' ? type : `${type}:${name}`;
    let id = kindIds.get(key);
    if (id === undefined) {
      id = kinds.length;
      kinds.push(key);
      kindIds.set(key, id);
    }
    kind[i] = id;
    selfSize[i] = raw.nodes[base + f.size];
    firstEdge[i] = edge;
    edge += raw.nodes[base + f.edges];
  }
  firstEdge[count] = edge;
  // Strong edges only, as node indexes.
  const to = new Int32Array(edge);
  const strong = new Uint8Array(edge);
  for (let j = 0; j < edge; j++) {
    to[j] = raw.edges[j * estride + e.to] / stride;
    strong[j] = raw.edges[j * estride + e.type] === weak ? 0 : 1;
  }
  return { count, kind, kinds, selfSize, firstEdge, to, strong };
}

/** Count and self size per kind. */
export function byKind(graph) {
  const out = new Map();
  for (let i = 0; i < graph.count; i++) {
    const key = graph.kinds[graph.kind[i]];
    const row = out.get(key) ?? { count: 0, self: 0 };
    row.count++;
    row.self += graph.selfSize[i];
    out.set(key, row);
  }
  return out;
}

/**
 * Retained size of every node (node 0 is the synthetic root): the dominator tree by the iterative
 * algorithm of Cooper, Harvey and Kennedy over the reverse post-order of a depth-first walk.
 */
export function retainedSizes(graph) {
  const { count, firstEdge, to, strong, selfSize } = graph;
  const post = new Int32Array(count).fill(-1);
  const order = new Int32Array(count);
  const visited = new Uint8Array(count);
  const stack = new Int32Array(count);
  const cursor = new Int32Array(count);
  let top = 0;
  let n = 0;
  stack[top++] = 0;
  visited[0] = 1;
  cursor[0] = firstEdge[0];
  while (top > 0) {
    const v = stack[top - 1];
    let pushed = false;
    while (cursor[v] < firstEdge[v + 1]) {
      const j = cursor[v]++;
      if (!strong[j]) continue;
      const w = to[j];
      if (visited[w]) continue;
      visited[w] = 1;
      cursor[w] = firstEdge[w];
      stack[top++] = w;
      pushed = true;
      break;
    }
    if (!pushed) {
      top--;
      post[v] = n;
      order[n++] = v;
    }
  }
  // Predecessors (reachable, strong edges), as a CSR list.
  const predCount = new Int32Array(count + 1);
  for (let v = 0; v < count; v++) {
    if (post[v] < 0) continue;
    for (let j = firstEdge[v]; j < firstEdge[v + 1]; j++) if (strong[j] && post[to[j]] >= 0) predCount[to[j] + 1]++;
  }
  for (let v = 0; v < count; v++) predCount[v + 1] += predCount[v];
  const preds = new Int32Array(predCount[count]);
  const fill = predCount.slice(0, count);
  for (let v = 0; v < count; v++) {
    if (post[v] < 0) continue;
    for (let j = firstEdge[v]; j < firstEdge[v + 1]; j++) if (strong[j] && post[to[j]] >= 0) preds[fill[to[j]]++] = v;
  }
  // Dominators by post-order number; the root is n - 1.
  const idom = new Int32Array(n).fill(-1);
  const root = n - 1;
  idom[root] = root;
  const intersect = (a, b) => {
    while (a !== b) {
      while (a < b) a = idom[a];
      while (b < a) b = idom[b];
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let p = root - 1; p >= 0; p--) {
      const v = order[p];
      let best = -1;
      for (let k = predCount[v]; k < predCount[v + 1]; k++) {
        const q = post[preds[k]];
        if (idom[q] === -1) continue;
        best = best === -1 ? q : intersect(q, best);
      }
      if (best !== -1 && idom[p] !== best) {
        idom[p] = best;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  const byPost = new Float64Array(n);
  for (let p = 0; p < n; p++) byPost[p] = selfSize[order[p]];
  for (let p = 0; p < root; p++) byPost[idom[p]] += byPost[p];
  for (let p = 0; p < n; p++) retained[order[p]] = byPost[p];
  return retained;
}

/** Per kind: instances and their retained sizes added up (objects inside others of their kind count again). */
export function retainedByKind(graph, retained) {
  const out = new Map();
  for (let i = 0; i < graph.count; i++) {
    const key = graph.kinds[graph.kind[i]];
    const row = out.get(key) ?? { count: 0, retained: 0 };
    row.count++;
    row.retained += retained[i];
    out.set(key, row);
  }
  return out;
}
