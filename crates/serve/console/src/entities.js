// Entities of an alert: their display names, and the chain host → process
// → container → pod drawn as a small graph.
import { h, svg } from './dom.js';

const NAME_KEYS = ['HostName', 'Name', 'CommandLine', 'ProcessId', 'Address', 'Url', 'Value', 'UPNSuffix', 'ImageId'];

/** A short name for an entity (`{Type, ...identifiers}`). */
export function entityName(e) {
  for (const k of NAME_KEYS) if (e[k]) return String(e[k]);
  const other = Object.entries(e).find(([k]) => k !== 'Type');
  return other ? String(other[1]) : '';
}

export function entitySummary(entities) {
  const list = (entities || []).slice(0, 3).map((e) => `${e.Type}: ${entityName(e)}`);
  const more = (entities || []).length - list.length;
  return more > 0 ? `${list.join(', ')} +${more}` : list.join(', ');
}

/** The layer of the graph an entity type sits in. */
const LAYERS = [
  ['Host', ['Host']],
  ['Process', ['Process', 'File', 'Account']],
  ['Container', ['Container', 'ContainerImage', 'KubernetesService', 'IP', 'Url', 'DNS']],
  ['Pod', ['KubernetesPod', 'KubernetesNamespace', 'KubernetesCluster', 'KubernetesSecret']],
];

function layerOf(type) {
  const i = LAYERS.findIndex(([, types]) => types.includes(type));
  return i < 0 ? 2 : i;
}

/** The most nodes a layer draws; the rest are one "+N more" node. */
const MAX_PER_LAYER = 8;

/** The characters a node's label holds, in the monospaced 11px of style.css (0.6em each): 23 fit
 * in the 154 units inside its box; a longer one ends in "…" (the node's tooltip has it whole). */
const NODE_CHARS = 23;

/** `text` cut to `n` characters (not UTF-16 units), the last one "…" when cut. */
function clip(text, n) {
  const chars = Array.from(text);
  return chars.length <= n ? text : `${chars.slice(0, n - 1).join('')}…`;
}

/** The entities in four columns, each linked to those of the next. */
export function entityGraph(entities) {
  const list = entities || [];
  if (list.length === 0) return h('p', { class: 'muted' }, 'No entities were mapped from the rows.');
  const all = LAYERS.map(() => []);
  for (const e of list) all[layerOf(e.Type)].push(e);
  const cols = all.map((c) => (c.length > MAX_PER_LAYER
    ? [...c.slice(0, MAX_PER_LAYER - 1), { more: c.length - MAX_PER_LAYER + 1 }] : c));
  const [W, colW, rowH] = [760, 190, 44];
  const H = Math.max(...cols.map((c) => c.length), 1) * rowH + 36;
  const pos = cols.map((c, i) => c.map((e, j) => ({ e, x: 10 + i * colW, y: 32 + j * rowH })));
  const edges = [];
  for (let i = 0; i + 1 < pos.length; i++) {
    // Each node to the nodes of the next non-empty layer.
    let k = i + 1;
    while (k < pos.length && pos[k].length === 0) k++;
    if (k >= pos.length) break;
    for (const a of pos[i]) for (const b of pos[k]) {
      edges.push(svg('line', { x1: a.x + 170, y1: a.y + 14, x2: b.x, y2: b.y + 14, class: 'edge' }));
    }
  }
  const heads = LAYERS.map(([name], i) => svg('text', { x: 10 + i * colW, y: 16, class: 'layer' }, name));
  const nodes = pos.flat().map(({ e, x, y }) => svg('g', { class: 'node' },
    svg('rect', { x, y, width: 170, height: 28, rx: 6 }),
    svg('text', { x: x + 8, y: y + 18 }, e.more ? `+${e.more} more` : clip(`${e.Type}: ${entityName(e)}`, NODE_CHARS)),
    svg('title', {}, e.more ? `${e.more} more entities in this layer` : Object.entries(e).map(([k, v]) => `${k}: ${v}`).join('\n'))));
  const named = list.slice(0, 20).map((e) => `${e.Type} ${entityName(e)}`).join(', ');
  const label = list.length > 20 ? `${named} and ${list.length - 20} more` : named;
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'graph', role: 'img', 'aria-label': `Entity graph: ${label}` }, heads, edges, nodes);
}
