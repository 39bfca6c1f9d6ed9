// CPU profiles of the renderer through the Chrome DevTools Protocol, for bench/ui-history.ts
// --profile: self time per function, mapped to the renderer's sources through the bundle's
// source map (dist/renderer/assets/*.js.map) when it is there.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  stop(file: string): Promise<{ fn: string; where: string; selfMs: number }[]>;
}

export async function startProfile(page: Page): Promise<Profiler> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
      await cdp.detach();
      await writeFile(file, JSON.stringify(profile));
      const self = new Map<number, number>();
      profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
      const byFn = new Map<string, { fn: string; where: string; selfMs: number }>();
      const mapper = await sourceMapper(profile.nodes);
      for (const n of profile.nodes) {
        const ms = self.get(n.id) ?? 0;
        if (ms === 0) continue;
        const cf = n.callFrame;
        const where = cf.url ? mapper(cf.url, cf.lineNumber, cf.columnNumber) : '(native)';
        const key = `${cf.functionName}@${where}`;
        const e = byFn.get(key) ?? { fn: cf.functionName || '(anonymous)', where, selfMs: 0 };
        e.selfMs += ms;
        byFn.set(key, e);
      }
      return [...byFn.values()].sort((a, b) => b.selfMs - a.selfMs);
    },
  };
}

/** url + 0-based line/column in the bundle → "source:line" (source-map-js, a vite dependency). */
async function sourceMapper(nodes: readonly ProfileNode[]): Promise<(url: string, line: number, col: number) => string> {
  const consumers = new Map<string, { originalPositionFor(p: { line: number; column: number }): { source: string | null; line: number | null } } | null>();
  let lib: { SourceMapConsumer: new (raw: unknown) => never } | undefined;
  try {
    lib = (await import('source-map-js')) as unknown as typeof lib;
  } catch {
    lib = undefined;
  }
  const dist = path.resolve(import.meta.dirname, '../../dist/renderer/assets');
  for (const u of new Set(nodes.map((n) => n.callFrame.url).filter((u) => u.endsWith('.js')))) {
    const raw = lib ? await readFile(path.join(dist, `${path.basename(new URL(u).pathname)}.map`), 'utf8').catch(() => undefined) : undefined;
    consumers.set(u, raw && lib ? new lib.SourceMapConsumer(JSON.parse(raw)) : null);
  }
  return (url, line, col) => {
    const c = consumers.get(url);
    const p = c?.originalPositionFor({ line: line + 1, column: col });
    if (p?.source) return `${p.source.replace(/^(\.\.\/)+/, '')}:${p.line ?? '?'}`;
    return `${path.basename(url)}:${line + 1}:${col}`;
  };
}
