// roster's join page in a real headless browser: Debian's chromium, driven by
// playwright-core (no browser download).  Called by tests/e2e/test_join.py.
//
//   node tests/browser/join.mjs --url INVITE_URL --name NAME --out DIR
//        [--chromium /usr/bin/chromium] [--timeout-ms 20000]
//
// Steps: open the invite link (page "join"), type NAME into the name field,
// press "Accept invitation" (page "accepted"), open the link again (page
// "again").  Each page is screenshotted into DIR/<step>.png.  Prints one JSON
// object on stdout: {"ok":true,"steps":[{step,url,status,contentType,title,
// h1,text,screenshot,...}],"consoleErrors":[...]} or {"ok":false,"error":…,
// "steps":[…]}; the caller asserts.  Exit status 0 whenever the JSON was
// printed (even with ok:false), 2 on bad arguments, 3 on the watchdog.
//
// Every wait is bounded: each action by --timeout-ms, the whole run by a
// watchdog of 4 x --timeout-ms.  The browser gets a fresh --user-data-dir
// (removed at the end) and talks to nothing but the URLs given.

import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string" },
    name: { type: "string", default: "" },
    out: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    "timeout-ms": { type: "string", default: "20000" },
  },
  strict: true,
});
if (!opt.url || !opt.out) {
  process.stderr.write("usage: join.mjs --url INVITE_URL --name NAME --out DIR\n");
  process.exit(2);
}
const timeout = Number(opt["timeout-ms"]) || 20000;
const outDir = resolve(opt.out);
mkdirSync(outDir, { recursive: true });

const steps = [];
const consoleErrors = [];
let context = null;
const userDataDir = mkdtempSync(join(tmpdir(), "roster-chromium-"));

function cleanup() {
  try {
    rmSync(userDataDir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

const watchdog = setTimeout(() => {
  process.stdout.write(JSON.stringify({ ok: false, error: `watchdog: run took over ${4 * timeout} ms`, steps }) + "\n");
  cleanup();
  process.exit(3);
}, 4 * timeout);
watchdog.unref();

async function snapshot(page, step, response) {
  const shot = join(outDir, `${step}.png`);
  await page.screenshot({ path: shot, fullPage: true, timeout });
  const h1 = await page.locator("h1").first().textContent({ timeout }).catch(() => null);
  const s = {
    step,
    url: page.url(),
    status: response ? response.status() : null,
    contentType: response ? (await response.allHeaders())["content-type"] ?? null : null,
    title: await page.title(),
    h1: h1 === null ? null : h1.trim(),
    text: (await page.locator("body").innerText({ timeout })).trim(),
    screenshot: shot,
  };
  steps.push(s);
  return s;
}

async function run() {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: opt.chromium,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 800, height: 700 },
    timeout,
  });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  // 1. The invitation.
  let resp = await page.goto(opt.url, { waitUntil: "load" });
  const joinStep = await snapshot(page, "join", resp);
  const nameField = page.getByLabel(/name/i);
  joinStep.nameFieldVisible = await nameField.isVisible();
  const button = page.getByRole("button", { name: "Accept invitation" });
  joinStep.buttonVisible = await button.isVisible();
  // The stylesheet is the page's only asset: it must load under the CSP.
  joinStep.stylesheetApplied = await page.evaluate(
    () => getComputedStyle(document.querySelector("main") ?? document.body).maxWidth !== "none",
  );

  // 2. Type a name, press Accept.
  await nameField.fill(opt.name);
  const [navResp] = await Promise.all([
    page.waitForNavigation({ waitUntil: "load" }),
    button.click(),
  ]);
  const accepted = await snapshot(page, "accepted", navResp);
  accepted.method = navResp ? navResp.request().method() : null;

  // 3. The same link again.
  resp = await page.goto(opt.url, { waitUntil: "load" });
  await snapshot(page, "again", resp);
}

let result;
try {
  await run();
  result = { ok: true, steps, consoleErrors };
} catch (e) {
  result = { ok: false, error: String(e && e.stack ? e.stack : e), steps, consoleErrors };
}
try {
  if (context) await context.close();
} catch (e) {
  result.closeError = String(e);
}
cleanup();
clearTimeout(watchdog);
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
