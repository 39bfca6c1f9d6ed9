// Page-side measurement code for bench/ui-history.ts. Everything here runs INSIDE Chromium, so it
// is plain JavaScript in strings: functions compiled by tsx/esbuild carry `__name(…)` helpers that
// do not exist in the page.

/** Installs window.__bench: a long-task recorder, a rAF scroll driver and a switch timer. */
export const PAGE_HELPERS = String.raw`
(() => {
  if (window.__bench) return;
  const longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { /* no long-task API: reported as such */ }
  // Long animation frames (Chromium's LoAF API): where a long frame's time went, script against
  // style and layout, and which script ran longest.
  const frames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const scripts = (e.scripts || []).map((x) => ({ d: x.duration, name: (x.invoker || '') + ' ' + (x.sourceFunctionName || '') + ' ' + (x.sourceURL || '').split('/').pop() + ':' + (x.sourceCharPosition ?? '') }));
        const end = e.startTime + e.duration;
        frames.push({
          start: e.startTime,
          duration: e.duration,
          script: scripts.reduce((a, x) => a + x.d, 0),
          styleLayout: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0,
          top: scripts.sort((a, b) => b.d - a.d)[0] || null,
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (e) { /* no LoAF API */ }
  const raf = () => new Promise((r) => requestAnimationFrame(r));
  window.__bench = {
    longTasksSince(t) { return longTasks.filter((x) => x.start >= t); },
    longFramesSince(t) { return frames.filter((x) => x.start >= t); },
    now() { return performance.now(); },
    // Scrolls the element by stepPx per animation frame (negative = up) for at most ms, or until
    // it cannot move any further when stopAtEnd; records every frame interval and the largest
    // number of elements under countSel.
    async scroll(sel, countSel, stepPx, ms, stopAtEnd) {
      const el = document.querySelector(sel);
      if (!el) throw new Error('no ' + sel);
      const counted = document.querySelector(countSel) || el;
      const frames = [];
      let maxNodes = 0;
      let stuck = 0;
      const t0 = performance.now();
      let last = await raf();
      for (;;) {
        const before = el.scrollTop;
        el.scrollBy(0, stepPx);
        const ts = await raf();
        frames.push(ts - last);
        last = ts;
        const n = counted.getElementsByTagName('*').length + 1;
        if (n > maxNodes) maxNodes = n;
        if (ts - t0 > ms) break;
        stuck = el.scrollTop === before ? stuck + 1 : 0;
        // At the end for ~0.5 s (older pages may still be on their way when scrolling up).
        if (stopAtEnd && stuck > 30) break;
      }
      return { frames, maxNodes, t0, t1: performance.now(), scrollTop: el.scrollTop, scrollHeight: el.scrollHeight };
    },
    // Clicks the element and resolves at the first animation frame after ready() holds.
    // Clicks the element and times until the element matching readySel is in the DOM (a
    // MutationObserver: the moment of insertion) and painted: the first frame boundary after the
    // insertion, then a posted task, which runs after that frame's paint (an upper bound: when the
    // insertion itself ran inside a frame's callbacks, that frame already painted it). All times
    // are performance.now() when the callback runs (rAF timestamps are the frame's start, which
    // can be before the click).
    timeSwitch(clickSel, readySel, timeoutMs) {
      const target = document.querySelector(clickSel);
      if (!target) throw new Error('no ' + clickSel);
      return new Promise((resolve) => {
        let t0 = 0;
        let done = false;
        const afterPaint = (cb) => requestAnimationFrame(() => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => cb(performance.now());
          ch.port2.postMessage(0);
        });
        const finish = (domAt) => {
          if (done) return;
          done = true;
          mo.disconnect();
          clearTimeout(timer);
          afterPaint((painted) => {
            // The history request and its answer, when the switch needed one (WS_STAMPS).
            const ws = (window.__wsLog || []).filter((x) => x.t >= t0 && x.t <= domAt);
            const req = ws.find((x) => x.dir === 'out' && x.head.includes('getHistory'));
            const id = req && (/"id":(\d+)/.exec(req.head) || [])[1];
            const ans = id && ws.find((x) => x.dir === 'in' && x.head.startsWith('{"t":"result","id":' + id + ','));
            resolve({ ms: painted - t0, domMs: domAt - t0, requestMs: req ? req.t - t0 : NaN, answerMs: ans ? ans.t - t0 : NaN });
          });
        };
        const mo = new MutationObserver(() => {
          if (document.querySelector(readySel)) finish(performance.now());
        });
        mo.observe(document.body, { childList: true, subtree: true });
        const timer = setTimeout(() => {
          done = true;
          mo.disconnect();
          resolve({ ms: NaN, domMs: NaN, requestMs: NaN, answerMs: NaN });
        }, timeoutMs);
        t0 = performance.now();
        target.click();
        // Already there (nothing to wait for): still one paint.
        if (document.querySelector(readySel)) finish(performance.now());
      });
    },
  };
})();
`;

/**
 * Installed before the renderer loads (page.addInitScript): stamps every IPC message over the
 * browser host's WebSocket with performance.now(), so a conversation switch can be taken apart
 * into "request sent", "answer received", "rows in the DOM", "painted".
 */
export const WS_STAMPS = String.raw`
(() => {
  const log = [];
  window.__wsLog = log;
  const Native = window.WebSocket;
  const note = (dir, data) => {
    if (typeof data !== 'string') return;
    log.push({ t: performance.now(), dir, head: data.slice(0, 120) });
    if (log.length > 500) log.splice(0, 250);
  };
  class Stamped extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => note('in', ev.data));
    }
    send(data) {
      note('out', data);
      return super.send(data);
    }
  }
  window.WebSocket = Stamped;
})();
`;

/**
 * The baseline: the same scroller geometry with a hand-written virtual list (no React, no store):
 * `rows` absolutely positioned <li>s recycled on scroll, `total` rows of 72 px.
 */
export function plainListPage(total: number, rows: number): string {
  return String.raw`<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; font: 14px system-ui, sans-serif; }
  #scroller { position: absolute; top: 120px; left: 320px; width: 900px; height: 600px; overflow-y: auto; }
  #list { position: relative; margin: 0; padding: 0; list-style: none; }
  #list li { position: absolute; left: 0; right: 0; height: 64px; padding: 4px 12px; box-sizing: border-box; }
  #list li p { margin: 0; }
  </style></head><body>
  <div id="scroller" data-testid="message-scroller"><ol id="list"></ol></div>
  <script>
  const TOTAL = ${total}, ROWS = ${rows}, H = 72;
  const scroller = document.getElementById('scroller');
  const list = document.getElementById('list');
  list.style.height = TOTAL * H + 'px';
  const pool = [];
  for (let i = 0; i < ROWS; i++) {
    const li = document.createElement('li');
    const who = document.createElement('p'); const body = document.createElement('p'); const meta = document.createElement('p');
    li.append(who, body, meta); list.append(li); pool.push(li);
  }
  function render() {
    const first = Math.max(0, Math.floor(scroller.scrollTop / H) - 2);
    for (let k = 0; k < ROWS; k++) {
      const i = first + k; const li = pool[(i % ROWS + ROWS) % ROWS];
      if (i >= TOTAL) { li.hidden = true; continue; }
      li.hidden = false;
      li.style.transform = 'translateY(' + i * H + 'px)';
      li.children[0].textContent = i % 3 ? 'peer' : 'me';
      li.children[1].textContent = 'message ' + i + ' lorem ipsum dolor sit amet';
      li.children[2].textContent = new Date(1.7e12 + i * 60000).toISOString();
    }
  }
  scroller.addEventListener('scroll', render);
  render();
  scroller.scrollTop = TOTAL * H;
  </script></body></html>`;
}
