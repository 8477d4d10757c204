// Builds the explorer served at /ui into kgmem/server/explorer_assets:
// index.html, explorer.css, one bundled, minified explorer.js (no CDN, no network) and
// the licences of the npm packages bundled into it.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "kgmem", "server", "explorer_assets");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  metafile: true,
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "linked",
  outfile: join(out, "explorer.js"),
  logLevel: "warning",
});
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));
copyFileSync(join(here, "src", "explorer.css"), join(out, "explorer.css"));

// The licence of every package the bundle includes, next to the bundle.
const bundled = new Set(
  Object.keys(result.metafile.inputs)
    .map((path) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1])
    .filter(Boolean),
);
const notices = [...bundled].sort().map((name) => {
  const folder = join(here, "node_modules", name);
  const file = readdirSync(folder).find((f) => /^licen[cs]e/i.test(f));
  const { version } = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  return `${name} ${version}\n\n${file ? readFileSync(join(folder, file), "utf8") : "(no licence file)"}`;
});
writeFileSync(join(out, "THIRD_PARTY_LICENSES.txt"), notices.join("\n\n" + "-".repeat(72) + "\n\n"));
