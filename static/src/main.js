// main.js: the entry point: styles, the router (the path /teach is the
// teacher's dashboard and /join/<code> the join page, both served as this
// page; elsewhere the hash: #/ is the course, #/lesson/<id> a lesson),
// focus on each new page's heading, the skip link, the Python choice in the
// header (and its sentence in the footer), and the learner's class: the
// "not saved" notice and the progress the page sends when they leave a
// step or the page.
import './styles/base.css';
import './styles/lesson.css';
import './styles/result.css';
import './styles/classes.css';
import './styles/teach.css';
import { h } from './dom.js';
import { renderCourse } from './course.js';
import { renderLesson } from './lesson.js';
import { joinCode, renderJoin } from './joinpage.js';
import { releaseDetachedCharts } from './memchart.js';
import * as membership from './membership.js';
import * as progress from './progress.js';
import { installPythonChoice } from './pythonchoice.js';
import { installSaveNotice } from './savenotice.js';
import { renderTeach } from './teach/dashboard.js';

let firstPage = true;
let rendering = 0;

/**
 * The route of the current address: { page: 'teach' }, { page: 'join',
 * code }, { page: 'course' } or { page: 'lesson', id }.
 */
function route() {
  const path = window.location.pathname;
  if (path === '/teach' || path === '/teach/') return { page: 'teach' };
  if (path === '/join' || path.startsWith('/join/')) return { page: 'join', code: joinCode(path) };
  const hash = window.location.hash;
  const m = /^#\/lesson\/([^/?#]+)/.exec(hash);
  if (m) return { page: 'lesson', id: decodeURIComponent(m[1]) };
  return { page: 'course' };
}

/** Shows an error page in main. */
function showError(main, error) {
  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'This page could not be shown'),
    h('p', { class: 'page-error' }, error && error.message ? error.message : String(error)),
    h('p', {}, h('a', { href: '/#/' }, 'Back to all lessons')),
  );
  return 'Error';
}

/** Renders the page of the current hash; moves focus to its heading. */
async function render() {
  const main = document.getElementById('main');
  const mine = ++rendering;
  const r = route();
  main.setAttribute('aria-busy', 'true');
  // A page that takes longer than 200 ms to come says that it is coming.
  const slow = setTimeout(() => {
    main.replaceChildren(h('p', { class: 'page-loading', role: 'status' }, 'Loading…'));
  }, 200);
  document.body.dataset.view = r.page === 'teach' || r.page === 'join' ? r.page : 'learn';
  let title;
  try {
    if (r.page === 'teach') title = await renderTeach(main, render);
    else if (r.page === 'join') title = await renderJoin(main, r.code);
    else title = r.page === 'lesson' ? await renderLesson(main, r.id) : await renderCourse(main);
  } catch (error) {
    title = showError(main, error.status === 404 ? new Error('There is no lesson with that name.') : error);
  } finally {
    clearTimeout(slow);
  }
  if (mine !== rendering) return;
  releaseDetachedCharts();
  main.removeAttribute('aria-busy');
  document.title = `${title} · lessond`;
  if (!firstPage) {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    if (heading) heading.focus({ preventScroll: true });
  }
  firstPage = false;
}

/** Makes the skip link move focus to main without touching the route. */
function skipLink() {
  const link = document.querySelector('.skip-link');
  if (!link) return;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
}

window.addEventListener('hashchange', render);
installSaveNotice(document.getElementById('save-notice'));
progress.sendOnLeave();
membership.ready(); // a lesson opened first still knows the class
skipLink();
render();
installPythonChoice();
