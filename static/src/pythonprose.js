// pythonprose.js: the lesson's version-specific prose (lessons/README.md,
// "When the Python matters"): the server renders each ```text python=SPEC
// block as a div.python-prose[data-python=SPEC]; this shows the ones that
// match the chosen Python and hides the rest, each labelled with the
// Python it is about, again whenever the choice changes. With no Python
// known, every block shows, labelled.
import { h } from './dom.js';
import * as pythons from './pythons.js';
import { specMatches, specWords } from './versions.js';

/** Shows or hides every version block under root for the chosen Python. */
export function applyPythonProse(root) {
  const version = pythons.chosenVersion();
  for (const block of root.querySelectorAll('.python-prose[data-python]')) {
    const spec = block.dataset.python;
    if (!block.querySelector(':scope > .python-prose-tag')) {
      block.prepend(h('p', { class: 'python-prose-tag' }, specWords(spec)));
    }
    block.hidden = Boolean(version) && !specMatches(spec, version);
  }
}

// One listener for the page: whatever lesson is shown follows the choice.
pythons.onChange(() => applyPythonProse(document));
