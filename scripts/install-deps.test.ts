import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_DEB_PACKAGES, ensureDebPackages, ensureNodeModules, missingDebPackages, nodeModulesStale } from './install-deps.mjs';

const hasDpkg = fs.existsSync('/usr/bin/dpkg-query');

describe('missingDebPackages', () => {
  it.runIf(hasDpkg)('asks dpkg-query and reports a package that does not exist as missing', () => {
    expect(missingDebPackages(['dpkg', 'bastion-no-such-package-xyz'])).toEqual(['bastion-no-such-package-xyz']);
  });
  it('keeps list order and uses the given check', () => {
    expect(missingDebPackages(['a', 'b', 'c'], { isInstalled: (p) => p === 'b' })).toEqual(['a', 'c']);
  });
  it('lists the test bed packages', () => {
    expect(TEST_DEB_PACKAGES).toEqual(expect.arrayContaining(['prosody', 'ejabberd', 'softhsm2', 'chromium', 'xvfb']));
  });
});

type Call = { cmd: string; args: string[]; env?: NodeJS.ProcessEnv; policyAtCall: boolean };
const fakeRunner = (calls: Call[], policyPath: string, code = 0) => async (cmd: string, args: readonly string[], opts?: { env?: NodeJS.ProcessEnv }) => {
  calls.push({ cmd, args: [...args], env: opts?.env, policyAtCall: fs.existsSync(policyPath) });
  return { code, signal: null };
};

describe('ensureDebPackages', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'install-deps-'));

  it('does nothing when everything is installed', async () => {
    const calls: Call[] = [];
    const r = await ensureDebPackages({ packages: ['a'], isInstalled: () => true, runner: fakeRunner(calls, '/nonexistent'), log: () => {} });
    expect(r).toMatchObject({ ok: true, action: 'none' });
    expect(calls).toEqual([]);
  });

  it('as root: blocks service starts with policy-rc.d, updates, installs only the missing ones, then removes it', async () => {
    const policyPath = path.join(tmp(), 'policy-rc.d');
    const calls: Call[] = [];
    const installed = new Set(['b']);
    const runner = async (cmd: string, args: readonly string[], opts?: { env?: NodeJS.ProcessEnv }) => {
      const res = await fakeRunner(calls, policyPath)(cmd, args, opts);
      if (args[0] === 'install') for (const p of args.slice(-2)) installed.add(p);
      return res;
    };
    const r = await ensureDebPackages({ packages: ['a', 'b', 'c'], isInstalled: (p) => installed.has(p), isRoot: true, runner, policyPath, log: () => {} });
    expect(r).toMatchObject({ ok: true, action: 'installed', missing: ['a', 'c'] });
    expect(calls.map((c) => [c.cmd, ...c.args].join(' '))).toEqual([
      'apt-get update',
      'apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 a c',
    ]);
    expect(calls.every((c) => c.policyAtCall)).toBe(true);
    expect(calls[1]?.env?.DEBIAN_FRONTEND).toBe('noninteractive');
    expect(fs.existsSync(policyPath)).toBe(false);
  });

  it('leaves an existing policy-rc.d alone', async () => {
    const policyPath = path.join(tmp(), 'policy-rc.d');
    fs.writeFileSync(policyPath, 'theirs');
    const calls: Call[] = [];
    const r = await ensureDebPackages({ packages: ['a'], isInstalled: () => false, isRoot: true, runner: fakeRunner(calls, policyPath, 100), policyPath, log: () => {} });
    expect(r).toMatchObject({ ok: false, action: 'failed' });
    expect(r.detail).toMatch(/apt-get update exited with code 100/);
    expect(fs.readFileSync(policyPath, 'utf8')).toBe('theirs');
  });

  it('writes the policy-rc.d content that forbids service starts while installing', async () => {
    const policyPath = path.join(tmp(), 'policy-rc.d');
    let seen = '';
    let mode = 0;
    const runner = async () => {
      seen = fs.readFileSync(policyPath, 'utf8');
      mode = fs.statSync(policyPath).mode & 0o777;
      return { code: 0, signal: null };
    };
    await ensureDebPackages({ packages: ['a'], isInstalled: () => false, isRoot: true, runner, policyPath, log: () => {} });
    expect(seen).toBe('#!/bin/sh\nexit 101\n');
    expect(mode).toBe(0o755);
    expect(fs.existsSync(policyPath)).toBe(false);
  });

  it('not root and no sudo: prints the sudo line and fails without running anything', async () => {
    const calls: Call[] = [];
    const lines: string[] = [];
    const r = await ensureDebPackages({ packages: ['a', 'b'], isInstalled: () => false, isRoot: false, sudo: false, runner: fakeRunner(calls, '/nonexistent'), log: (l) => lines.push(l) });
    expect(r.ok).toBe(false);
    expect(calls).toEqual([]);
    expect(lines.join('\n')).toContain('sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends a b');
  });
});

describe('ensureNodeModules', () => {
  const project = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'install-deps-nm-'));
    fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    return root;
  };
  const setMtime = (file: string, s: number) => fs.utimesSync(file, s, s);

  it('runs npm ci with ELECTRON_SKIP_BINARY_DOWNLOAD=1 when node_modules is missing', async () => {
    const root = project();
    const calls: Call[] = [];
    const r = await ensureNodeModules({ root, runner: fakeRunner(calls, '/nonexistent'), log: () => {} });
    expect(r).toMatchObject({ ok: true, action: 'installed' });
    expect(calls).toHaveLength(1);
    expect([calls[0]?.cmd, ...(calls[0]?.args ?? [])]).toEqual(['npm', 'ci']);
    expect(calls[0]?.env?.ELECTRON_SKIP_BINARY_DOWNLOAD).toBe('1');
  });

  it('skips when node_modules/.package-lock.json is newer than package-lock.json', () => {
    const root = project();
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), '{}');
    setMtime(path.join(root, 'package-lock.json'), 1_000);
    setMtime(path.join(root, 'node_modules', '.package-lock.json'), 2_000);
    expect(nodeModulesStale(root)).toBeNull();
  });

  it('reinstalls when package-lock.json is newer, unless our stamp shows the same lock was installed', async () => {
    const root = project();
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.writeFileSync(path.join(root, 'node_modules', '.package-lock.json'), '{}');
    setMtime(path.join(root, 'package-lock.json'), 2_000);
    setMtime(path.join(root, 'node_modules', '.package-lock.json'), 1_000);
    expect(nodeModulesStale(root)).toMatch(/newer/);
    await ensureNodeModules({ root, runner: fakeRunner([], '/nonexistent'), log: () => {} }); // writes the stamp
    setMtime(path.join(root, 'package-lock.json'), 3_000);
    expect(nodeModulesStale(root)).toBeNull();
    fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"changed":true}');
    expect(nodeModulesStale(root)).toMatch(/newer/);
  });
});
