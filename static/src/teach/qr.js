// teach/qr.js: a QR code of a join link as an <img>, drawn by the qrcode
// library as SVG and given as a data: URL (the page's CSP allows images
// from data: and nothing inline), dark on light whatever the colour
// scheme, so phones can read it from a projector. Rejects when the text
// cannot be encoded (far longer than any join link).
import { toString as qrSvg } from 'qrcode';
import { h } from '../dom.js';

/** An <img class="qr"> of text's QR code with the alt text given. */
export async function qrImage(text, alt) {
  const svg = await qrSvg(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 4,
    color: { dark: '#000000', light: '#ffffff' },
  });
  return h('img', { class: 'qr', alt, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
}
