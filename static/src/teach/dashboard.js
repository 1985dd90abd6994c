// teach/dashboard.js: the teacher's dashboard at /teach, routed by its
// hash: #/ the classes, #/class/CODE a class, #/class/CODE/present its
// projector view. Not signed in (401 anywhere), it shows the sign-in form
// and, once signed in, the page that was asked for.
import { h } from '../dom.js';
import * as classapi from '../classapi.js';
import { renderClassList } from './classlist.js';
import { renderClassPage } from './classpage.js';
import { renderLogin } from './login.js';
import { renderPresent } from './present.js';

/** The dashboard route of a hash: { page: 'classes' | 'class' | 'present', code }. */
export function teachRoute(hash) {
  const m = /^#\/class\/([^/?#]+)(\/present)?\/?$/.exec(hash || '');
  if (!m) return { page: 'classes' };
  return { page: m[2] ? 'present' : 'class', code: decodeURIComponent(m[1]) };
}

/** The page for a class that is not there (deleted, or a wrong link). */
function noSuchClass(main, code) {
  main.replaceChildren(
    h(
      'div',
      { class: 'teach' },
      h('h1', { tabindex: '-1' }, 'No such class'),
      h('p', {}, 'There is no class with the code ', h('code', {}, code), ': it may have been deleted.'),
      h('p', {}, h('a', { href: '#/' }, 'Back to your classes')),
    ),
  );
  return 'No such class';
}

/**
 * Renders the dashboard page of the current hash into main; rerender()
 * draws the current route again (after signing in or out). Returns the
 * page title.
 */
export async function renderTeach(main, rerender) {
  const signIn = (note = '') => renderLogin(main, { onSignedIn: rerender, note });
  const signedOut = (note) => {
    signIn(note);
    main.querySelector('h1').focus();
  };
  if (!(await classapi.teacherSignedIn())) return signIn();
  const r = teachRoute(window.location.hash);
  try {
    if (r.page === 'class') return await renderClassPage(main, r.code, { onSignedOut: signedOut });
    if (r.page === 'present') return await renderPresent(main, r.code);
    return await renderClassList(main, { onSignedOut: () => signedOut('You are signed out.') });
  } catch (error) {
    if (error.status === 401) return signIn('Your teacher session ended. Sign in again to go on.');
    if (error.status === 404 && r.code) return noSuchClass(main, r.code);
    throw error;
  }
}
