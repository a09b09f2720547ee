/**
 * The text of a PDF as pdfkit writes it, page by page, for tests to read a letter as a person would: each page's
 * content stream is read for its text operators (`Tf` picks the font, `Tj`/`TJ` show glyph codes) and each code is
 * turned back into characters through its font's ToUnicode map. One text block (BT … ET, a line as pdfkit lays it
 * out) per line. Handles what pdfkit emits (Identity-H fonts, hex strings, Flate streams), not every PDF.
 */
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

/** Every `N 0 obj … endobj` of the file, its dictionary and its stream (inflated when Flate-encoded). */
function objectsOf(pdf: Buffer): Map<number, PdfObject> {
  const raw = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  for (const m of raw.matchAll(/(\d+) 0 obj\b/g)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = raw.indexOf('endobj', start);
    const body = raw.slice(start, end);
    const s = /stream\r?\n/.exec(body);
    if (!s) {
      objects.set(Number(m[1]), { dict: body });
      continue;
    }
    const dict = body.slice(0, s.index);
    const from = start + s.index + s[0].length;
    const to = raw.lastIndexOf('endstream', end);
    const bytes = pdf.subarray(from, to);
    objects.set(Number(m[1]), { dict, stream: dict.includes('/FlateDecode') ? inflateSync(bytes) : bytes });
  }
  return objects;
}

const ref = (dict: string, key: string): number | undefined => {
  const m = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  return m ? Number(m[1]) : undefined;
};

/** UTF-16 code units in hex (pdfkit writes a ligature's as `<0066 0069>`, with a space) as characters. */
const utf16 = (hex: string): string =>
  String.fromCharCode(...(hex.replace(/\s+/g, '').match(/.{4}/g) ?? []).map((u) => parseInt(u, 16)));

/** A ToUnicode CMap: glyph code (hex) → characters. */
function cmapOf(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const r of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const from = parseInt(r[1] ?? '0', 16);
      const to = parseInt(r[2] ?? '0', 16);
      const target = r[3] ?? '';
      if (target.startsWith('[')) {
        const list = [...target.matchAll(/<([0-9a-fA-F\s]+)>/g)].map((h) => utf16(h[1] ?? ''));
        list.forEach((chars, i) => map.set(from + i, chars));
      } else {
        const first = parseInt(target.slice(1, -1), 16);
        for (let c = from; c <= to; c++) map.set(c, String.fromCharCode(first + c - from));
      }
    }
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const r of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g))
      map.set(parseInt(r[1] ?? '0', 16), utf16(r[2] ?? ''));
  return map;
}

/** The text of each page, in page order; lines separated by "\n". */
export function pdfPages(pdf: Buffer): string[] {
  const objects = objectsOf(pdf);
  // Font resource names (/F2) → their ToUnicode maps; pdfkit names each font once for the whole document.
  const fonts = new Map<string, Map<number, string>>();
  for (const o of objects.values())
    for (const f of o.dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
      const font = objects.get(Number(f[2]));
      const toUnicode = font && ref(font.dict, 'ToUnicode');
      const cmap = toUnicode === undefined ? undefined : objects.get(toUnicode)?.stream;
      if (cmap && f[1]) fonts.set(f[1], cmapOf(cmap.toString('latin1')));
    }
  const pages: string[] = [];
  for (const o of objects.values()) {
    if (!/\/Type \/Page\b/.test(o.dict)) continue;
    const contents = ref(o.dict, 'Contents');
    const stream = contents === undefined ? undefined : objects.get(contents)?.stream;
    pages.push(stream ? textOf(stream.toString('latin1'), fonts) : '');
  }
  return pages;
}

/** The text a content stream shows: one line per BT … ET block. */
function textOf(content: string, fonts: Map<string, Map<number, string>>): string {
  const lines: string[] = [];
  for (const block of content.matchAll(/\bBT\b([\s\S]*?)\bET\b/g)) {
    let cmap: Map<number, string> | undefined;
    let line = '';
    for (const op of (block[1] ?? '').matchAll(/\/(F\d+) [\d.]+ Tf|(\[[^\]]*\]) TJ|<([0-9a-fA-F]*)> Tj/g)) {
      if (op[1]) cmap = fonts.get(op[1]);
      const hexes = op[2] ? [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1] ?? '') : op[3] ? [op[3]] : [];
      for (const hex of hexes)
        for (const code of hex.match(/.{4}/g) ?? []) line += cmap?.get(parseInt(code, 16)) ?? '\uFFFD';
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** All the text of a PDF with runs of white space (line breaks, Intl's narrow spaces) as one space. */
export function pdfText(pdf: Buffer): string {
  return pdfPages(pdf)
    .join('\n')
    .replace(/[\s\u202f\u00a0]+/g, ' ');
}
