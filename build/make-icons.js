// Generates the placeholder icons under build/ with Node's built-in zlib only (no image library):
//   icons/256x256.png, icons/512x512.png  (Linux, electron-builder's icon set)
//   icon.png                              (512x512; Windows, electron-builder makes the .ico from it)
//   tray/tray-{online,syncing,offline,error}.png (32x32 tray states)
// Run: node build/make-icons.js. The output is committed; re-run only when the design changes.
// Plain JS on purpose: it runs before any TypeScript build step and is not part of the app.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** @param {Buffer} buf */
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * An RGBA PNG of `size`x`size`, each pixel from `paint(x, y)` -> [r, g, b, a].
 * @param {number} size @param {(x: number, y: number) => number[]} paint
 */
export function encodePng(size, paint) {
  const raw = Buffer.alloc(size * (1 + size * 4));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 4);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = paint(x, y);
      raw.set([r ?? 0, g ?? 0, b ?? 0, a ?? 0], row + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit depth, RGBA, deflate, no filter method variants, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Coverage (0..1) of a pixel by a shape given its signed distance (negative inside), for soft edges. */
const cover = (d) => Math.max(0, Math.min(1, 0.5 - d));

/** The app icon: a rounded teal square with a white ring and dot (a "points" token). */
function appIcon(size) {
  const s = size / 512;
  return encodePng(size, (px, py) => {
    const x = px + 0.5 - size / 2;
    const y = py + 0.5 - size / 2;
    const half = 224 * s;
    const radius = 96 * s;
    const qx = Math.abs(x) - (half - radius);
    const qy = Math.abs(y) - (half - radius);
    const square = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
    const r = Math.hypot(x, y);
    const ring = Math.abs(r - 120 * s) - 28 * s;
    const dot = r - 44 * s;
    const bg = cover(square);
    const fg = Math.max(cover(ring), cover(dot)) * bg;
    const teal = [15, 118, 110];
    const mix = (c) => Math.round(c * (1 - fg) + 255 * fg);
    return [mix(teal[0]), mix(teal[1]), mix(teal[2]), Math.round(255 * bg)];
  });
}

/** A tray icon: a filled circle of the state's colour with a white rim. */
function trayIcon(rgb, size = 32) {
  return encodePng(size, (px, py) => {
    const r = Math.hypot(px + 0.5 - size / 2, py + 0.5 - size / 2);
    const outer = cover(r - (size / 2 - 1));
    const inner = cover(r - (size / 2 - 4));
    const mix = (c) => Math.round(c * inner + 255 * (1 - inner));
    return [mix(rgb[0]), mix(rgb[1]), mix(rgb[2]), Math.round(255 * outer)];
  });
}

function write(rel, data) {
  const file = path.join(here, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
  process.stdout.write(`wrote build/${rel} (${data.length} bytes)\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  write('icons/256x256.png', appIcon(256));
  write('icons/512x512.png', appIcon(512));
  write('icon.png', appIcon(512));
  write('tray/tray-online.png', trayIcon([22, 163, 74]));
  write('tray/tray-syncing.png', trayIcon([37, 99, 235]));
  write('tray/tray-offline.png', trayIcon([107, 114, 128]));
  write('tray/tray-error.png', trayIcon([220, 38, 38]));
}
