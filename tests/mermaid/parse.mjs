// Parses Mermaid diagrams with the pinned Mermaid itself, under jsdom as its DOM, for the tests.
// Reads one JSON string (a diagram) per line on stdin; writes one JSON line per diagram:
// {"ok": false, "error"} or {"ok": true, "type", "direction", "vertices", "edges", "subgraphs",
// "classDefs"}, with every label as the lines a browser shows (entity codes decoded, split at
// Mermaid's line break, markup dropped).
import { createInterface } from "node:readline";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

// Mermaid's lineBreakRegex (src/diagrams/common/common.ts).
const LINE_BREAK = /<br\s*\/?>/gi;

// Before parsing, Mermaid turns "#65;" into "ﬂ°°65¶ß" and "#quot;" into "ﬂ°quot¶ß" (encodeEntities
// in src/utils.ts); the browser finally reads them as the HTML entities "&#65;" and "&quot;".
function shownLines(text) {
  return String(text ?? "")
    .split(LINE_BREAK)
    .map((part) => {
      const html = part.replace(/ﬂ°°/g, "&#").replace(/ﬂ°/g, "&").replace(/¶ß/g, ";");
      const holder = window.document.createElement("div");
      holder.innerHTML = html;
      return holder.textContent;
    });
}

async function describe(text) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    return {
      ok: true,
      type: diagram.type,
      direction: db.getDirection?.() ?? null,
      vertices: [...db.getVertices().values()].map((v) => ({
        id: v.id,
        lines: shownLines(v.text),
        classes: v.classes,
        shape: v.type ?? null,
      })),
      edges: db.getEdges().map((e) => ({ start: e.start, end: e.end, type: e.type, stroke: e.stroke })),
      subgraphs: db.getSubGraphs().map((s) => ({
        id: s.id,
        lines: shownLines(s.title),
        nodes: s.nodes,
        classes: s.classes,
        dir: s.dir ?? null,
      })),
      classDefs: Object.fromEntries([...db.getClasses().entries()].map(([k, v]) => [k, v.styles])),
    };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim()) {
    process.stdout.write(JSON.stringify(await describe(JSON.parse(line))) + "\n");
  }
}
