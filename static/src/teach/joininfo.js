// teach/joininfo.js: how learners join a class, to show on a projector:
// the code (large, easy to read aloud), the join link, and a QR code of
// it. The link is the server's join_url (made from the address the
// teacher's browser reached lessond by), or this page's origin with
// /join/CODE; when that is this computer only (localhost), the block
// says so.
import { h } from '../dom.js';
import { qrImage } from './qr.js';

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;

/** The join link of a class: the server's, when it is an absolute http(s) URL, else from this page's origin. */
export function joinUrl(cls) {
  if (typeof cls.join_url === 'string' && /^https?:\/\//.test(cls.join_url)) return cls.join_url;
  return `${window.location.origin}/join/${encodeURIComponent(cls.code)}`;
}

/** The join details of cls ({code, display, join_url}); big: the projector's sizes. */
export function joinInfo(cls, { big = false } = {}) {
  const url = joinUrl(cls);
  const qrBox = h('div', { class: 'qr-box' });
  qrImage(url, `QR code of the join link ${url}`).then(
    (img) => qrBox.replaceChildren(img),
    () => qrBox.replaceChildren(h('p', { class: 'page-error' }, 'The QR code could not be drawn; the link above works.')),
  );
  const local = LOOPBACK.test(window.location.hostname)
    ? h('p', { class: 'field-hint join-local' }, 'This address works on this computer only. For learners on other computers, start lessond with --bind 0.0.0.0 and open this page by the computer’s network name or address.')
    : null;
  return h(
    'div',
    { class: `join-info${big ? ' join-info-big' : ''}` },
    h(
      'div',
      { class: 'join-text' },
      h('p', { class: 'join-label' }, 'Class code'),
      // Read out symbol by symbol, as a teacher would say it.
      h('p', { class: 'join-code' }, h('span', { 'aria-hidden': 'true' }, cls.display || cls.code), h('span', { class: 'visually-hidden' }, [...(cls.display || cls.code)].join(' '))),
      h('p', { class: 'join-label' }, 'Or open'),
      h('p', { class: 'join-url' }, h('a', { href: url }, url)),
      local,
    ),
    qrBox,
  );
}
