// Keep server logs after the run directory is gone, so a failed CI run can be diagnosed from its
// artifacts (reports/ is what CI uploads).
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Copy `files` into `destDir` (recreated empty); missing files are skipped. */
export async function copyLogs(files: readonly string[], destDir: string): Promise<string[]> {
  await rm(destDir, { recursive: true, force: true });
  await mkdir(destDir, { recursive: true });
  const copied: string[] = [];
  for (const file of files) {
    const dest = path.join(destDir, path.basename(file));
    try {
      await copyFile(file, dest);
      copied.push(dest);
    } catch {
      // a server that never started has no log yet
    }
  }
  return copied;
}
