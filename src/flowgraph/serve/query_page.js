// The query page (serve/query_page.py). Results go into the page as text, never as HTML.
"use strict";
const config = JSON.parse(document.getElementById("fg-config").textContent);
const $ = (id) => document.getElementById(id);
const select = $("library");
const editor = $("query");
const status = $("status");
const results = $("results");
const downloads = $("downloads");
const legend = $("prefixes");

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

select.appendChild(element("option", "— your own query —")).value = "";
for (const [name, q] of Object.entries(config.examples)) {
  select.appendChild(element("option", name + " — " + q.title)).value = name;
}
select.value = config.first;
function describe() {
  const q = config.examples[select.value];
  $("description").textContent = q ? q.description : "";
}
describe();
editor.addEventListener("input", () => {
  // edited away from the library's text: no longer that query
  const q = config.examples[select.value];
  if (q && editor.value !== q.text) {
    select.value = "";
    describe();
  }
});
select.addEventListener("change", () => {
  const q = config.examples[select.value];
  if (q) editor.value = q.text;
  describe();
});

// ---------------------------------------------------------------------------- terms
const used = new Map(); // prefixes shown in the current results -> namespace

function shorten(iri) {
  for (const [prefix, namespace] of config.prefixes) {
    if (iri.startsWith(namespace) && iri.length > namespace.length && !/\s/.test(iri)) {
      used.set(prefix, namespace);
      return prefix + ":" + iri.slice(namespace.length);
    }
  }
  return iri;
}

function href(iri) {
  if (iri.startsWith(config.base)) return "/id/" + iri.slice(config.base.length);
  return /^https?:\/\//i.test(iri) ? iri : null; // never a javascript: or data: link
}

function expander(td, box, label, full, short) {
  // A "more" button after the cell's box: shows the whole text, wrapped, with "less" at its end
  // to fold it again.
  const more = element("button", "more", "fg-more");
  more.type = "button";
  more.title = "show all " + full.length + " characters";
  more.addEventListener("click", () => {
    const open = td.classList.toggle("fg-open");
    label.textContent = open ? full : short;
    more.textContent = open ? "less" : "more";
    (open ? box : td).appendChild(more); // open: "less" right after the text, in its box
  });
  td.appendChild(more);
}

function fill(td, label, text) {
  // The text of a cell in `label` (a link or a span) inside a one-line box; a text over
  // config.cellLimit characters is cut there, with a "more" button after the box (outside the
  // link: clicking it never follows the link). Boxes too narrow for their text get one later.
  const cut = text.length > config.cellLimit;
  const short = cut ? text.slice(0, config.cellLimit) + "…" : text;
  const box = element("div", undefined, "fg-cell");
  label.textContent = short;
  box.appendChild(label);
  td.appendChild(box);
  td.fgText = text;
  if (cut) {
    td.classList.add("fg-long");
    expander(td, box, label, text, short);
  }
}

function addExpanders(root) {
  // After layout: a cell whose one-line box hides part of its text gets "more" too (one read
  // pass over the boxes, then the writes: a single layout).
  const clipped = [...root.querySelectorAll("td:not(.fg-long) > .fg-cell")].filter(
    (box) => box.scrollWidth > box.clientWidth + 1,
  );
  for (const box of clipped) {
    const td = box.parentElement;
    td.classList.add("fg-long");
    expander(td, box, box.firstChild, td.fgText, td.fgText);
  }
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const target = href(term.value);
    const label = element(target ? "a" : "span");
    if (target) label.href = target;
    label.title = term.value;
    fill(td, label, shorten(term.value));
  } else if (term.type === "bnode") {
    fill(td, element("span"), "_:" + term.value);
  } else {
    const label = element("span");
    if (term.datatype) label.title = shorten(term.datatype);
    fill(td, label, term.value);
    if (term["xml:lang"]) td.appendChild(element("span", "@" + term["xml:lang"], "fg-tag"));
  }
  return td;
}

// ---------------------------------------------------------------------------- results
function table(data) {
  const box = element("div", undefined, "fg-scroll");
  const t = element("table");
  const head = t.createTHead().insertRow();
  for (const v of data.head.vars) head.appendChild(element("th", v));
  const body = t.createTBody();
  for (const binding of data.results.bindings) {
    const row = body.insertRow();
    for (const v of data.head.vars) row.appendChild(cell(binding[v]));
  }
  box.appendChild(t);
  return box;
}

function showPrefixes() {
  legend.textContent = "";
  if (!used.size) return;
  legend.append("Prefixes: ");
  const names = [...used.keys()].sort();
  names.forEach((prefix, i) => {
    legend.appendChild(element("code", prefix + ":"));
    legend.append(" " + used.get(prefix) + (i < names.length - 1 ? " · " : ""));
  });
}

const FORMATS = {
  select: [["JSON", "json", "json"], ["CSV", "csv", "csv"], ["XML", "xml", "xml"], ["TSV", "tsv", "tsv"]],
  ask: [["JSON", "json", "json"], ["XML", "xml", "xml"]],
  graph: [["Turtle", "ttl", "ttl"], ["N-Triples", "nt", "nt"], ["JSON-LD", "jsonld", "jsonld"]],
};

function offerDownloads(kind, query) {
  downloads.textContent = "";
  downloads.append("Download: ");
  for (const [label, format, extension] of FORMATS[kind]) {
    const a = element("a", label);
    a.href = "/sparql?" + new URLSearchParams({ query, format });
    a.download = "results." + extension;
    a.dataset.format = format;
    downloads.appendChild(a);
  }
}

async function runQuery() {
  const query = editor.value;
  status.className = "muted";
  status.textContent = "running…";
  results.textContent = "";
  downloads.textContent = "";
  legend.textContent = "";
  used.clear();
  const started = performance.now();
  let response;
  try {
    response = await fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        // SELECT and ASK as SPARQL JSON; CONSTRUCT and DESCRIBE as Turtle
        Accept: "application/sparql-results+json, text/turtle;q=0.9",
      },
      body: new URLSearchParams({ query }),
    });
  } catch (error) {
    status.className = "fg-error";
    status.textContent = "the server could not be reached: " + error;
    return;
  }
  const ms = Math.round(performance.now() - started);
  if (!response.ok) {
    status.className = "fg-error";
    status.textContent = "error " + response.status + ": " + (await response.text());
    return;
  }
  const type = (response.headers.get("content-type") || "").split(";")[0].trim();
  if (type === "text/turtle") {
    const text = await response.text();
    results.appendChild(element("pre", text, "fg-turtle"));
    const triples = text.split("\n").filter((l) => l.trim() && !l.startsWith("@prefix")).length;
    status.textContent = "graph result as Turtle (" + triples + " lines) in " + ms + " ms";
    offerDownloads("graph", query);
    return;
  }
  const data = await response.json();
  if ("boolean" in data) {
    results.appendChild(element("p", String(data.boolean), "fg-answer"));
    status.textContent = "ASK answered in " + ms + " ms";
    offerDownloads("ask", query);
    return;
  }
  results.appendChild(table(data));
  addExpanders(results);
  showPrefixes();
  const n = data.results.bindings.length;
  status.textContent = n + (n === 1 ? " row" : " rows") + " in " + ms + " ms";
  offerDownloads("select", query);
}

$("run").addEventListener("click", runQuery);
editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    runQuery();
  }
});
document.body.dataset.fgReady = "true";
