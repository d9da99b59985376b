// The flow map's two views. The data comes from render.py as JSON; text reaches the screen only
// through textContent. Globals `nodes`, `edges` and `network` are the network view's (tests use them).
'use strict';
const DATA = JSON.parse(document.getElementById('fg-data').textContent);
const SVGNS = 'http://www.w3.org/2000/svg';
const ROW = 38, COLUMN = 300; // network grid: a box is 24 high and at most 250 wide
const details = document.getElementById('fg-details');
document.getElementById('fg-title').textContent = DATA.title;
document.getElementById('fg-panel-title').textContent = DATA.title;
document.getElementById('fg-notes').textContent = DATA.notes.join('; ');

function say(text) { details.textContent = ''; const p = document.createElement('p'); p.textContent = text; details.appendChild(p); }
function line(name, value) {
  const p = document.createElement('p'); const b = document.createElement('strong'); b.textContent = name + ': ';
  p.appendChild(b); p.appendChild(document.createTextNode(value || '—')); details.appendChild(p);
}
function heading(text) { const h = document.createElement('h3'); h.textContent = text; details.appendChild(h); }
function evidence(flow) {
  const box = document.createElement('div'); box.className = 'fg-flow';
  const h = document.createElement('p'); h.textContent = flow.fromLabel + ' → ' + flow.toLabel + ' (' + flow.how + ')';
  box.appendChild(h); details.appendChild(box);
  if (flow.service) line('service', flow.service);
  if (flow.controllerLabel) line('stated by', flow.controllerLabel);
  if (flow.purposes) line('purposes', flow.purposes);
  if (flow.bases) line('lawful bases', flow.bases);
  if (flow.data) line('data', flow.data);
  const q = document.createElement('blockquote'); q.textContent = flow.quote; details.appendChild(q);
  line('notice', flow.notice + ', characters ' + flow.start + '–' + flow.end);
}

// ------------------------------------------------------------------ legend
function legend(view) {
  const box = document.getElementById('fg-legend'); box.textContent = '';
  const kinds = new Set(view === 'sankey' ? ['controller', 'service', 'category', 'organisation']
    : DATA.nodes.map(n => n.kind).concat(DATA.clusters.length ? ['cluster'] : []));
  for (const [kind, s] of Object.entries(DATA.styles)) {
    if (!kinds.has(kind)) continue;
    const item = document.createElement('div'); item.className = 'fg-legend-item';
    const swatch = document.createElement('span'); swatch.className = 'fg-swatch';
    swatch.style.background = s.color; swatch.style.borderColor = s.border; swatch.style.borderStyle = s.dashes ? 'dashed' : 'solid';
    item.appendChild(swatch); item.appendChild(document.createTextNode(kind === 'cluster' ? 'cluster of named organisations (click to open)' : kind));
    box.appendChild(item);
  }
  if (view !== 'network') return;
  const present = new Set(DATA.edges.map(e => e.how));
  for (const [how, s] of Object.entries(DATA.edgeStyles)) {
    if (!present.has(how)) continue;
    const item = document.createElement('div'); item.className = 'fg-legend-item';
    const svg = document.createElementNS(SVGNS, 'svg'); svg.setAttribute('width', '34'); svg.setAttribute('height', '10');
    const path = document.createElementNS(SVGNS, 'line');
    path.setAttribute('x1', '1'); path.setAttribute('x2', '33'); path.setAttribute('y1', '5'); path.setAttribute('y2', '5');
    path.setAttribute('stroke', s.color); path.setAttribute('stroke-width', String(s.width + 0.5));
    if (s.dashes) path.setAttribute('stroke-dasharray', s.dashes.join(' '));
    svg.appendChild(path); item.appendChild(svg); item.appendChild(document.createTextNode(how + ': ' + s.text));
    box.appendChild(item);
  }
}

// ------------------------------------------------------------------ Sankey
const COLUMNS = ['council', 'service area', DATA.groupedBy || 'recipient category', 'named organisation'];
const BAND_COLOUR = ['#4f81bd', '#8aa8d0', '#c77a23'];
function drawSankey(measure) {
  const data = DATA.sankey; const svg = document.getElementById('fg-sankey-svg'); svg.textContent = '';
  if (!data) return;
  const container = document.getElementById('fg-sankey');
  const width = Math.max(1000, container.clientWidth - 4);
  const counts = [0, 0, 0, 0]; for (const n of data.nodes) counts[n.column] += 1;
  const height = Math.max(container.clientHeight - 50, Math.max(...counts) * 22 + 40);
  const bands = data.bands.filter(b => b[measure] > 0);
  const used = new Set(bands.flatMap(b => [b.source, b.target]));
  // rows ordered by d3-sankey's relaxation (fewer crossings); the last column's labels go right
  const layout = d3.sankey().nodeId(n => n.id).nodeAlign(n => n.column).nodeWidth(12).nodePadding(14)
    .extent([[8, 28], [width - 200, height]]);
  const graph = layout({nodes: data.nodes.filter(n => used.has(n.id)).map(n => ({...n})),
                        links: bands.map(b => ({...b, value: b[measure]}))});
  for (const node of graph.nodes) { // bands leave and enter each node in the order of their other ends
    node.sourceLinks.sort((a, b) => a.target.y0 - b.target.y0 || a.index - b.index);
    node.targetLinks.sort((a, b) => a.source.y0 - b.source.y0 || a.index - b.index);
    let y = node.y0; for (const l of node.sourceLinks) { l.y0 = y + l.width / 2; y += l.width; }
    y = node.y0; for (const l of node.targetLinks) { l.y1 = y + l.width / 2; y += l.width; }
  }
  svg.setAttribute('width', String(width)); svg.setAttribute('height', String(height + 10));
  const xs = [...new Set(graph.nodes.map(n => n.x0))].sort((a, b) => a - b);
  xs.forEach((x, i) => {
    const t = document.createElementNS(SVGNS, 'text'); t.setAttribute('class', 'fg-colhead');
    t.setAttribute('x', String(x)); t.setAttribute('y', '16');
    t.textContent = COLUMNS[graph.nodes.find(n => n.x0 === x).column]; svg.appendChild(t);
  });
  const bandLayer = document.createElementNS(SVGNS, 'g'); svg.appendChild(bandLayer);
  for (const link of graph.links) {
    const path = document.createElementNS(SVGNS, 'path'); const mid = (link.source.x1 + link.target.x0) / 2;
    path.setAttribute('d', `M${link.source.x1},${link.y0}C${mid},${link.y0} ${mid},${link.y1} ${link.target.x0},${link.y1}`);
    path.setAttribute('class', 'fg-band'); path.setAttribute('stroke', BAND_COLOUR[Math.min(link.source.column, 2)]);
    path.setAttribute('stroke-width', String(Math.max(1, link.width)));
    path.dataset.source = link.source.label; path.dataset.target = link.target.label; path.dataset.value = String(link.value);
    const title = document.createElementNS(SVGNS, 'title');
    title.textContent = `${link.source.label} → ${link.target.label}: ${link.flows} flow(s), ${link.data} data categories`;
    path.appendChild(title);
    path.addEventListener('click', () => showBand(link, path));
    bandLayer.appendChild(path);
  }
  for (const node of graph.nodes) {
    const g = document.createElementNS(SVGNS, 'g'); g.setAttribute('class', 'fg-node');
    const rect = document.createElementNS(SVGNS, 'rect');
    rect.setAttribute('x', String(node.x0)); rect.setAttribute('y', String(node.y0));
    rect.setAttribute('width', String(node.x1 - node.x0)); rect.setAttribute('height', String(Math.max(1, node.y1 - node.y0)));
    rect.setAttribute('fill', DATA.styles[['controller', 'service', 'category', 'organisation'][node.column]].border);
    const text = document.createElementNS(SVGNS, 'text');
    text.setAttribute('x', String(node.x1 + 4)); text.setAttribute('y', String((node.y0 + node.y1) / 2));
    text.setAttribute('dy', '0.35em');
    text.textContent = node.label.length > 30 ? node.label.slice(0, 29) + '…' : node.label;
    const title = document.createElementNS(SVGNS, 'title'); title.textContent = `${node.label}: ${node.value} ${measure === 'flows' ? 'flow(s)' : 'data categories'}`;
    g.appendChild(rect); g.appendChild(text); g.appendChild(title); svg.appendChild(g);
  }
}
function showBand(link, path) {
  document.querySelectorAll('.fg-band.fg-on').forEach(p => p.classList.remove('fg-on')); path.classList.add('fg-on');
  details.textContent = '';
  heading(link.source.label + ' → ' + link.target.label);
  line('flows', String(link.flows)); line('data categories stated', String(link.data));
  for (const id of link.ids) {
    const f = DATA.sankey.flows[id];
    evidence({fromLabel: f.from, toLabel: f.to, how: f.how, service: f.service, purposes: f.purposes.join(' | '),
              bases: f.bases.join(' | '), data: f.data.join(', '), quote: f.quote, notice: f.notice, start: f.start, end: f.end});
  }
}

// ------------------------------------------------------------------ network
const nodeById = new Map(DATA.nodes.map(n => [n.id, n]));
const clusterById = new Map(DATA.clusters.map(c => [c.id, c]));
const open = new Set(); // clusters the reader opened
const hiddenKinds = new Set();
var nodes = new vis.DataSet(); var edges = new vis.DataSet(); var network = null;
let selected = null;

function shown(id) { // the node on screen for a node: itself, or its closed cluster
  const n = nodeById.get(id); return n && n.cluster && !open.has(n.cluster) ? n.cluster : id;
}
function visual(item, dim) {
  const s = DATA.styles[item.kind];
  const colour = dim ? {background: '#f1f3f6', border: '#d5d9e0'} : {background: s.color, border: s.border,
    highlight: {background: s.color, border: '#000'}, hover: {background: s.color, border: '#000'}};
  return {color: colour, font: {color: dim ? '#5b6578' : s.font, size: 13, face: 'system-ui,sans-serif'},
          shapeProperties: {borderDashes: s.dashes ? [4, 3] : false, borderRadius: item.kind === 'organisation' ? 6 : 2},
          borderWidth: item.kind === 'cluster' ? 2.5 : 1.2};
}
function placed() { // rows per column from the visible nodes in their order: the same every load
  const columns = new Map();
  for (const n of DATA.nodes) {
    if (hiddenKinds.has(n.kind)) continue;
    const id = shown(n.id); const entry = id === n.id ? n : clusterById.get(id);
    const column = columns.get(n.level) || new Map(); columns.set(n.level, column);
    if (!column.has(id)) column.set(id, {item: entry, order: n.order});
  }
  const out = [];
  for (const [level, column] of columns) {
    const rows = [...column.entries()].sort((a, b) => a[1].order - b[1].order);
    rows.forEach(([id, {item}], row) => out.push({id, item, x: level * COLUMN, y: (row - (rows.length - 1) / 2) * ROW}));
  }
  return out;
}
function buildNetwork() {
  const visible = placed(); const onScreen = new Set(visible.map(v => v.id));
  nodes.clear(); edges.clear();
  nodes.add(visible.map(({id, item, x, y}) => {
    const cluster = item.members !== undefined; const kind = cluster ? 'cluster' : item.kind;
    return {id, x, y, label: item.label, title: (cluster ? item.full : item.full + '\n' + kind), kind, page: item.page || null,
            fullLabel: cluster ? item.full : item.full, members: cluster ? item.members : null, shape: 'box',
            margin: {top: 5, bottom: 5, left: 8, right: 8}, widthConstraint: {maximum: 250}, fixed: true, ...visual({kind}, false)};
  }));
  const merged = new Map();
  for (const e of DATA.edges) {
    const from = shown(e.from), to = shown(e.to);
    if (!onScreen.has(from) || !onScreen.has(to) || from === to) continue;
    const key = from === e.from && to === e.to ? e.id : from + '|' + to + '|' + e.how;
    if (!merged.has(key)) merged.set(key, {id: key, from, to, how: e.how, flows: []});
    merged.get(key).flows.push(e);
  }
  edges.add([...merged.values()].map(e => {
    const s = DATA.edgeStyles[e.how] || DATA.edgeStyles.stated; const first = e.flows[0];
    return {...e, arrows: 'to', color: {color: s.color, highlight: '#1d2330', hover: '#1d2330'}, dashes: s.dashes,
            width: s.width + (e.flows.length > 1 ? Math.min(3, Math.log2(e.flows.length)) : 0),
            fromLabel: first.fromLabel, toLabel: first.toLabel,
            title: e.how + ': ' + (nodes.get(e.from).fullLabel) + ' → ' + (nodes.get(e.to).fullLabel) + (e.flows.length > 1 ? ' (' + e.flows.length + ' flows)' : '')};
  }));
  if (selected && onScreen.has(selected)) highlight(selected); else selected = null;
}
function downstream(start) {
  const seen = new Set([start]); const queue = [start];
  while (queue.length) {
    const node = queue.shift();
    for (const e of edges.get({filter: e => e.from === node})) if (!seen.has(e.to)) { seen.add(e.to); queue.push(e.to); }
  }
  return seen;
}
function highlight(id) { // the chains stand out; every other label stays readable (dimmed, not erased)
  const reach = id ? downstream(id) : null;
  nodes.update(nodes.get().map(n => ({id: n.id, ...visual({kind: n.kind}, reach !== null && !reach.has(n.id))})));
  edges.update(edges.get().map(e => {
    const s = DATA.edgeStyles[e.how] || DATA.edgeStyles.stated; const on = reach !== null && reach.has(e.from) && reach.has(e.to);
    return {id: e.id, color: {color: reach === null || on ? s.color : '#e6e9ee', highlight: '#1d2330', hover: '#1d2330'},
            width: (on ? 2.5 : 0) + s.width};
  }));
}
function showNode(id) {
  const node = nodes.get(id); details.textContent = '';
  if (node.members) { open.add(id); selected = null; buildNetwork(); say(node.fullLabel.replace(' (click to expand)', '') + ': opened.'); return; }
  selected = id; highlight(id);
  const reach = downstream(id); const cluster = nodeById.get(id) && nodeById.get(id).cluster;
  heading(node.fullLabel); line('kind', node.kind);
  line('receives from', String(edges.get({filter: e => e.to === id}).reduce((s, e) => s + e.flows.length, 0)) + ' flows');
  line('shares with', String(edges.get({filter: e => e.from === id}).reduce((s, e) => s + e.flows.length, 0)) + ' flows');
  line('chains reach', String(reach.size - 1) + ' nodes');
  if (node.page) { const a = document.createElement('a'); a.href = node.page; a.textContent = 'open its page'; details.appendChild(a); }
  if (cluster) {
    const b = document.createElement('button'); b.textContent = 'Close its cluster'; b.style.marginLeft = '8px';
    b.addEventListener('click', () => { open.delete(cluster); selected = null; buildNetwork(); say('Cluster closed.'); });
    details.appendChild(b);
  }
}
function showEdge(id) {
  const edge = edges.get(id); details.textContent = '';
  if (edge.how === 'part of') { heading(edge.fromLabel + ' → ' + edge.toLabel); say(edge.toLabel + ' is a service area of ' + edge.fromLabel + '.'); return; }
  heading(nodes.get(edge.from).fullLabel + ' → ' + nodes.get(edge.to).fullLabel + (edge.flows.length > 1 ? ' (' + edge.flows.length + ' flows)' : ''));
  for (const flow of edge.flows) evidence(flow);
}
function startNetwork() {
  if (DATA.clusters.length === 0) document.getElementById('fg-expand').parentElement.style.display = 'none';
  buildNetwork();
  network = new vis.Network(document.getElementById('mynetwork'), {nodes, edges}, {
    physics: {enabled: false}, layout: {randomSeed: 1, improvedLayout: false},
    interaction: {hover: true, tooltipDelay: 150}, edges: {smooth: {type: 'cubicBezier', forceDirection: 'horizontal', roundness: 0.5}},
  });
  network.on('click', (params) => {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
    else { selected = null; highlight(null); say('Click a node to highlight its chains, a cluster to open it, or an edge for its evidence.'); }
  });
  const kinds = document.getElementById('fg-kinds');
  for (const kind of [...new Set(DATA.nodes.map(n => n.kind))].sort()) {
    const label = document.createElement('label'); label.style.marginRight = '8px';
    const box = document.createElement('input'); box.type = 'checkbox'; box.checked = true; box.dataset.kind = kind;
    box.addEventListener('change', () => { if (box.checked) hiddenKinds.delete(kind); else hiddenKinds.add(kind); buildNetwork(); });
    label.appendChild(box); label.appendChild(document.createTextNode(kind)); kinds.appendChild(label);
  }
  document.getElementById('fg-expand').addEventListener('click', () => { DATA.clusters.forEach(c => open.add(c.id)); buildNetwork(); });
  document.getElementById('fg-collapse').addEventListener('click', () => { open.clear(); buildNetwork(); });
  defaultZoom();
}
function defaultZoom() { // fit, but never so small that labels shrink below ~10 px: then start at the top left
  network.fit({animation: false});
  if (network.getScale() < 0.8) {
    const box = nodes.getIds().map(id => network.getBoundingBox(id))
      .reduce((b, n) => ({x: Math.min(b.x, n.left), y: Math.min(b.y, n.top)}), {x: Infinity, y: Infinity});
    const area = document.getElementById('mynetwork');
    network.moveTo({scale: 0.8, animation: false,
      position: {x: box.x - 10 + area.clientWidth / 2 / 0.8, y: box.y - 10 + area.clientHeight / 2 / 0.8}});
  }
}

// ------------------------------------------------------------------ page
function choose(view) {
  for (const name of ['sankey', 'network']) {
    document.getElementById(name === 'sankey' ? 'fg-sankey' : 'mynetwork').classList.toggle('fg-hidden', name !== view);
    document.getElementById('fg-tab-' + name).setAttribute('aria-pressed', String(name === view));
  }
  document.getElementById('fg-measure-box').style.display = view === 'sankey' ? '' : 'none';
  document.getElementById('fg-network-tools').style.display = view === 'network' ? '' : 'none';
  document.body.dataset.fgView = view; legend(view);
  say(view === 'sankey' ? 'Click a band for the flows behind it and their evidence.'
    : 'Click a node to highlight its chains, a cluster to open it, or an edge for its evidence.');
}
document.getElementById('fg-tab-sankey').addEventListener('click', () => choose('sankey'));
document.getElementById('fg-tab-network').addEventListener('click', () => choose('network'));
if (!DATA.sankey) document.getElementById('fg-tab-sankey').style.display = 'none';
document.getElementById('fg-measure').addEventListener('change', (e) => drawSankey(e.target.value));
document.getElementById('fg-search').addEventListener('input', (event) => {
  const text = event.target.value.toLowerCase(); if (!text) return;
  if (document.body.dataset.fgView === 'sankey') {
    for (const t of document.querySelectorAll('.fg-node')) t.style.opacity = t.textContent.toLowerCase().includes(text) ? '1' : '0.3';
    return;
  }
  const found = nodes.get({filter: n => n.fullLabel.toLowerCase().includes(text)});
  if (found.length) { network.selectNodes([found[0].id]); network.focus(found[0].id, {scale: 1.1}); }
});
const started = performance.now();
startNetwork();
drawSankey('flows');
choose(DATA.initial);
document.body.dataset.fgRenderMs = String(Math.round(performance.now() - started));
document.body.dataset.fgReady = 'true';
