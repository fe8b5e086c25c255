// Renders a Mermaid file to PNG with the pinned Mermaid in Debian's Chromium, as a browser shows it
// (make graph: the picture in the README). Usage: node render-png.mjs IN.mmd OUT.png
// playwright-core drives an installed browser and downloads none; Chromium's background services
// are switched off because this machine's closed network refuses their connections.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node render-png.mjs IN.mmd OUT.png");
  process.exit(2);
}
const mermaidBundle = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 2 });
  await page.setContent('<!DOCTYPE html><body style="margin:0;background:#fff"><div id="graph"></div></body>');
  await page.addScriptTag({ path: mermaidBundle });
  const text = await readFile(input, "utf8");
  await page.evaluate(async (definition) => {
    const { mermaid } = window;
    mermaid.initialize({ startOnLoad: false, flowchart: { useMaxWidth: false } });
    const { svg } = await mermaid.render("graph-svg", definition);
    document.getElementById("graph").innerHTML = svg;
  }, text);
  await page.locator("#graph svg").screenshot({ path: output });
} finally {
  await browser.close();
}
