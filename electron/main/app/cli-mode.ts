/**
 * `bastion doctor …` on a seat: an installed Bastion has no Node of its own (the RunAsNode fuse
 * is off), so the app binary itself runs the CLI's doctor command when it is the first argument,
 * instead of opening the window: `bastion doctor alice@example.mil --ca /etc/bastion/dod.pem`
 * (Linux deb/rpm put `bastion` on PATH), `Bastion.exe doctor … --json > report.json` (Windows).
 * Only `doctor`: the diagnostic an admin needs on a seat; `send` and `listen` stay developer
 * tools of the Node CLI (dist/cli/bastion.mjs).
 */

export const SEAT_COMMANDS = Object.freeze(['doctor']);

/**
 * The CLI arguments when this launch asks for a seat command, else undefined (open the window).
 * argv is process.argv: [binary, ...] when packaged, [electron, ...switches, appPath, ...] in a
 * development run. Chromium/Node switches (anything starting with "-") before the command are
 * not positional arguments and are skipped; the command must be the first positional argument
 * after the binary (and, unpackaged, after the app path).
 */
export function seatCommandArguments(argv: readonly string[], isPackaged: boolean): string[] | undefined {
  let skipAppPath = !isPackaged;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('-')) continue;
    if (skipAppPath) {
      skipAppPath = false;
      continue;
    }
    return SEAT_COMMANDS.includes(a) ? argv.slice(i) : undefined;
  }
  return undefined;
}
