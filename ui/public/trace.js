// The trace page's one interaction: a bar in the chart (a link to #span-<id>) opens that span's
// details (attributes, events) below and scrolls to it. Without this script the link still
// scrolls there, and the details open with a click.
'use strict';

function openSpanFromHash() {
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id.startsWith('span-')) return;
  const details = document.getElementById(id);
  if (!(details instanceof HTMLDetailsElement)) return;
  details.open = true;
  for (const el of document.querySelectorAll('details.span.selected')) el.classList.remove('selected');
  details.classList.add('selected');
  details.scrollIntoView({ block: 'center' });
}

window.addEventListener('hashchange', openSpanFromHash);
openSpanFromHash();
