import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP, rendererResponse, resolveRendererRequest } from './renderer-files';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-renderer-'));
  fs.mkdirSync(path.join(dir, 'renderer', 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>x</title>');
  fs.writeFileSync(path.join(dir, 'renderer', 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
  fs.writeFileSync(path.join(dir, 'renderer', 'notes.txt'), 'unknown type');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('app://bastion/ file resolution', () => {
  const root = () => path.join(dir, 'renderer');

  it('serves index.html for / and files below the renderer directory with their type', () => {
    expect(resolveRendererRequest(root(), 'GET', 'app://bastion/')).toEqual({ ok: true, file: path.join(root(), 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveRendererRequest(root(), 'GET', 'app://bastion/assets/index-abc.js')).toMatchObject({ ok: true, contentType: 'text/javascript; charset=utf-8' });
  });

  it.each([
    ['app://bastion/../secret.txt', 404],
    ['app://bastion/%2e%2e/secret.txt', 404],
    ['app://bastion/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 404],
    ['app://bastion/..%5csecret.txt', 404],
    ['app://bastion/index.html%00.js', 404],
    ['app://bastion/%E0%A4%A', 404],
    ['app://bastion/notes.txt', 404],
    ['app://evil/index.html', 404],
    ['app://bastion:8080/index.html', 404],
    ['file:///etc/passwd', 404],
  ])('refuses %s (%i)', (url, status) => {
    expect(resolveRendererRequest(root(), 'GET', url)).toEqual({ ok: false, status });
  });

  it('answers GET only', () => {
    expect(resolveRendererRequest(root(), 'POST', 'app://bastion/index.html')).toEqual({ ok: false, status: 405 });
  });

  it('every response, found or not, carries the CSP and nosniff', async () => {
    const ok = await rendererResponse(root(), 'GET', 'app://bastion/index.html');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<title>x</title>');
    expect(ok.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    const missing = await rendererResponse(root(), 'GET', 'app://bastion/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    const escape = await rendererResponse(root(), 'GET', 'app://bastion/%2e%2e/secret.txt');
    expect(escape.status).toBe(404);
    expect(await escape.text()).toBe('');
  });
});

describe('the renderer CSP', () => {
  const directives = new Map(RENDERER_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));

  it('allows nothing remote, no inline code, no eval, no plugins, no frames, no connections', () => {
    expect(RENDERER_CSP).not.toMatch(/https?:|wss?:|\*|unsafe-|data:/);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('require-trusted-types-for')).toEqual(["'script'"]);
  });

  it('renderer/index.html carries the same policy in a <meta>, save frame-ancestors (header only) and connect-src', () => {
    const html = fs.readFileSync(path.resolve(import.meta.dirname, '../../../renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    const metaDirectives = new Map(meta.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
    for (const [name, values] of directives) {
      if (name === 'frame-ancestors') expect(metaDirectives.has(name)).toBe(false);
      else if (name === 'connect-src') expect(metaDirectives.get(name)).toEqual(["'self'"]);
      else expect(metaDirectives.get(name), name).toEqual(values);
    }
    expect(metaDirectives.size).toBe(directives.size - 1);
    // Before any script or stylesheet: a <meta> CSP applies only to what follows it.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<link'));
  });
});
