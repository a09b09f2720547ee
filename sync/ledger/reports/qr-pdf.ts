/** A QR code drawn as vector squares on a pdfkit page (no image, nothing asynchronous), for the notice letters. */
import QRCode from 'qrcode';

/** Draws `text` as a QR code (error correction M) in a `size`-point square at (x, y), with its quiet zone inside. */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 2;
  const cell = size / (modules.size + 2 * quiet);
  doc.save();
  for (let row = 0; row < modules.size; row++)
    for (let col = 0; col < modules.size; col++)
      if (modules.get(row, col)) doc.rect(x + (col + quiet) * cell, y + (row + quiet) * cell, cell, cell);
  doc.fill('#000000');
  doc.restore();
}
