/**
 * Start at login. Electron's app.setLoginItemSettings works on Windows and macOS only; on Linux the freedesktop way
 * is a .desktop file in ~/.config/autostart, made here as text (the main process writes or removes it).
 */
import path from 'node:path';

/**
 * Quotes one Exec argument per the Desktop Entry spec: double quotes, with ", ` and $ escaped by a backslash, and a
 * literal backslash written as four (the string-value unescaping runs before the quoting rule); % doubled.
 */
export function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_./:=+-]+$/.test(arg)) return arg;
  const escaped = arg
    .replace(/\\/g, '\\\\\\\\')
    .replace(/["`$]/g, (c) => `\\${c}`)
    .replace(/%/g, '%%');
  return `"${escaped}"`;
}

/** The autostart entry that starts `execPath` (for an AppImage, the AppImage file itself, from $APPIMAGE). */
export function autostartDesktopEntry(opts: { name: string; execPath: string; args?: readonly string[] }): string {
  if (!path.isAbsolute(opts.execPath)) throw new TypeError('the autostart executable path must be absolute');
  if (/[\r\n]/.test(opts.name) || /[\r\n]/.test(opts.execPath)) throw new TypeError('no line breaks in an entry');
  const exec = [opts.execPath, ...(opts.args ?? [])].map(quoteExecArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${opts.name}`,
    `Exec=${exec}`,
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Where the autostart entry lives for the user whose config folder is `configHome` ($XDG_CONFIG_HOME or ~/.config). */
export function autostartFile(configHome: string, appId: string): string {
  return path.join(configHome, 'autostart', `${appId}.desktop`);
}
