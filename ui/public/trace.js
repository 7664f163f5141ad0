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

// Each span's rank among the same operation's spans in the route's recent traces: a Jaeger search
// the page does not wait for (/trace/<id>/ranks). Without this script the column stays empty.
async function fillRanks() {
  const traceId = document.getElementById('trace-id')?.textContent;
  const note = document.getElementById('rank-note');
  if (!traceId || !note) return;
  try {
    const res = await fetch(`/trace/${traceId}/ranks`);
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    const { note: text, ranks } = await res.json();
    for (const cell of document.querySelectorAll('.rank[data-span-id]')) {
      const rank = ranks[cell.getAttribute('data-span-id')];
      if (!rank) continue;
      cell.textContent = rank.text;
      cell.title = rank.title;
    }
    note.textContent = text;
  } catch (err) {
    note.textContent = `(not available: ${err.message})`;
  }
  document.body.dataset.ranks = 'done';
}

fillRanks();
