// Times how a page opens in headless Chromium, through the DevTools
// protocol: the first paint and first contentful paint, DOMContentLoaded
// and load, each in milliseconds since the navigation started (the page's
// own cost, without Chromium's start-up), the median of several loads.
//
//   node --experimental-websocket bench/report-paint.cjs REPORT.html [RUNS]
//
// Needs Node 20 or later (WebSocket) and Debian's `chromium`
// (CHROMIUM=path to use another). Prints one line per load and a median
// line; exits 1 when Chromium cannot be driven or the page never paints.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const file = process.argv[2];
const runs = Number(process.argv[3] || 3);
if (!file || !fs.existsSync(file) || !(runs >= 1)) {
  console.error("usage: report-paint.cjs REPORT.html [RUNS]");
  process.exit(2);
}
const url = "file://" + path.resolve(file);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "spof-paint-"));
const chromium = spawn(
  process.env.CHROMIUM || "chromium",
  [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--window-size=1400,1000", "--remote-debugging-port=0",
    `--user-data-dir=${profile}`, "about:blank",
  ],
  { stdio: ["ignore", "ignore", "pipe"] },
);

function finish(code) {
  chromium.kill("SIGKILL");
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(code);
}
setTimeout(() => {
  console.error("error: no answer from Chromium within 180 s");
  finish(1);
}, 180000).unref();

let buffered = "";
chromium.stderr.on("data", (chunk) => {
  buffered += chunk;
  const m = buffered.match(/DevTools listening on (ws:\/\/\S+)/);
  if (m && !drive.started) {
    drive.started = true;
    drive(m[1]).then(() => finish(0), (e) => {
      console.error("error: " + e.message);
      finish(1);
    });
  }
});
chromium.on("exit", (code) => {
  if (!drive.started) {
    console.error(buffered);
    console.error(`error: Chromium exited (${code}) before it listened`);
    process.exit(1);
  }
});

async function drive(endpoint) {
  const ws = new WebSocket(endpoint);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = () => fail(new Error("cannot connect to " + endpoint));
  });
  let next = 0;
  const pending = new Map();
  const listeners = [];
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.id !== undefined && pending.has(msg.id)) {
      const { ok, fail } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) fail(new Error(JSON.stringify(msg.error)));
      else ok(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((ok, fail) => {
      const id = ++next;
      pending.set(id, { ok, fail });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });

  const loads = [];
  for (let run = 0; run < runs; run++) {
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    await send("Page.enable", {}, sessionId);
    await send("Page.setLifecycleEventsEnabled", { enabled: true }, sessionId);
    const loaded = new Promise((ok) => {
      listeners.push((msg) => {
        if (msg.sessionId === sessionId && msg.method === "Page.loadEventFired") ok();
      });
    });
    await send("Page.navigate", { url }, sessionId);
    await loaded;
    // Paint entries are recorded after the frame is presented: wait for them.
    let t = null;
    for (let tries = 0; tries < 100 && (t === null || t.fcp === undefined); tries++) {
      const r = await send("Runtime.evaluate", {
        expression: `JSON.stringify((() => {
          const n = performance.getEntriesByType("navigation")[0];
          const p = Object.fromEntries(performance.getEntriesByType("paint").map(e => [e.name, e.startTime]));
          return { fp: p["first-paint"], fcp: p["first-contentful-paint"],
                   dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                   nodes: document.getElementsByTagName("*").length };
        })())`,
        returnByValue: true,
      }, sessionId);
      t = JSON.parse(r.result.value);
      if (t.fcp === undefined) await new Promise((ok) => setTimeout(ok, 100));
    }
    if (t.fcp === undefined) throw new Error("the page never painted");
    loads.push(t);
    const ms = (v) => (v === undefined ? "-" : Math.round(v) + " ms");
    console.log(
      `load ${run + 1}: first paint ${ms(t.fp)}, first contentful paint ${ms(t.fcp)}, ` +
        `DOMContentLoaded ${ms(t.dcl)}, load ${ms(t.load)}, ${t.nodes} elements`,
    );
    await send("Target.closeTarget", { targetId });
  }
  const median = (key) => {
    const v = loads.map((l) => l[key]).sort((a, b) => a - b);
    return Math.round(v[Math.floor(v.length / 2)]);
  };
  console.log(
    `median of ${runs}: first paint ${median("fp")} ms, first contentful paint ${median("fcp")} ms, ` +
      `DOMContentLoaded ${median("dcl")} ms, load ${median("load")} ms`,
  );
  ws.close();
}
