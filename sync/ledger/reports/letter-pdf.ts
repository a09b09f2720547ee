/** The PDF side of the letters (closing notices, expiry letters): one A4 page per letter, streamed with bounded memory. */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';

/**
 * pdfkit keeps every page it has written, with its objects' contents, because the page tree lists them: about 1 kB
 * a page, 1 GB for a million letters. Once written (`addPage` ends the page before), only their object numbers are
 * needed (the tree prints references as `id gen R`), so their contents are dropped.
 */
export function releaseWritten(page: PDFKit.PDFPage): void {
  const refs = [page.dictionary, page.content, (page as { resources?: PDFKit.PDFKitReference }).resources];
  for (const ref of refs) if (ref) ref.data = {} as PDFKit.PDFKitReference['data'];
}

/**
 * The letters' typefaces: DejaVu Sans, embedded (subset) so that names and addresses in Polish, Czech, Greek, Cyrillic
 * and most other European scripts print. PDF's built-in Helvetica covers Latin-1 only.
 */
export const BODY = 'body';
export const BOLD = 'bold';
export const fontFile = (name: string): string =>
  createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${name}`);

/**
 * pdfkit caches the layout of every distinct word set in an embedded font, for the whole document: names, addresses
 * and amounts would grow it with every letter. Emptied after each page of members, it stays small and still serves
 * the words every letter repeats (without it the letters take three times as long).
 */
export function forgetWordLayouts(doc: PDFKit.PDFDocument): void {
  const families = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies;
  for (const font of Object.values(families ?? {}))
    if (font.layoutCache) font.layoutCache = Object.create(null) as object;
}

/** Streams the letters, one page each, into `file`, waiting for it to drain whenever it is full. */
/**
 * Streams one letter per row into an A4 PDF on `file` (fonts `body` and `bold` registered), `draw` laying each out;
 * `progress` hears the rows written after each page of rows.
 */
export async function writeLetters<R>(
  info: { Title: string; Author: string },
  pages: AsyncIterable<R[]>,
  file: Writable,
  draw: (doc: PDFKit.PDFDocument, row: R) => void,
  progress: (rows: number) => void = () => undefined,
): Promise<void> {
  const doc = new PDFDocument({ autoFirstPage: false, size: 'A4', info });
  doc.registerFont(BODY, fontFile('DejaVuSans.ttf'));
  doc.registerFont(BOLD, fontFile('DejaVuSans-Bold.ttf'));
  let failed: Error | undefined;
  file.on('error', (e: Error) => (failed = e));
  // pdfkit pushes its output into its own readable buffer and ignores backpressure; in flowing mode that buffer only
  // empties on a later tick, which a run of synchronous queries (SQLite) may not reach for the whole run. So the
  // document stays paused and is read here after every letter: at most one letter waits in it, and the file's drain
  // bounds what waits to be written.
  const flush = async () => {
    for (let chunk = doc.read() as Buffer | null; chunk !== null; chunk = doc.read() as Buffer | null) {
      if (failed) throw failed;
      if (!file.write(chunk)) await once(file, 'drain');
    }
  };
  let written = 0;
  for await (const page of pages) {
    for (const row of page) {
      draw(doc, row);
      await flush();
    }
    written += page.length;
    progress(written);
    forgetWordLayouts(doc);
  }
  doc.end();
  await flush();
  file.end();
  await once(file, 'finish');
  if (failed) throw failed;
}
