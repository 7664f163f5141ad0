// The slow-against-the-rest page's one interaction: drag up or down across the latency heatmap
// to choose a duration range; on release the form is sent with it (?from=…&to=… in ms), so the
// page, and its link, show the comparison for that range. Without this script the form's two
// boxes do the same.
'use strict';

(function brushHeatmap() {
  const svg = document.querySelector('#latency-heatmap svg');
  const form = document.getElementById('slow-form');
  if (!svg || !form) return;
  const loMs = Number(svg.dataset.loMs);
  const hiMs = Number(svg.dataset.hiMs);
  const plotTop = Number(svg.dataset.plotTop);
  const plotHeight = Number(svg.dataset.plotHeight);
  const viewHeight = Number(svg.dataset.viewHeight);
  const area = svg.querySelector('.brush-area');
  const ns = 'http://www.w3.org/2000/svg';
  let brush = svg.querySelector('#brush');
  if (!brush) {
    brush = document.createElementNS(ns, 'rect');
    brush.setAttribute('class', 'brush');
    brush.setAttribute('id', 'brush');
    brush.setAttribute('x', area.getAttribute('x'));
    brush.setAttribute('width', area.getAttribute('width'));
    svg.insertBefore(brush, area);
  }

  /** The pointer's height in the svg's own units, within the plot. */
  const viewY = (event) => {
    const box = svg.getBoundingClientRect();
    const y = ((event.clientY - box.top) / box.height) * viewHeight;
    return Math.min(plotTop + plotHeight, Math.max(plotTop, y));
  };
  /** The duration at that height (the axis is logarithmic). */
  const msAt = (y) => {
    const share = (plotTop + plotHeight - y) / plotHeight;
    return 10 ** (Math.log10(loMs) + share * (Math.log10(hiMs) - Math.log10(loMs)));
  };
  const round = (ms) => (ms >= 100 ? Math.round(ms) : Math.round(ms * 10) / 10);

  let startY;
  const draw = (y) => {
    brush.setAttribute('y', String(Math.min(startY, y)));
    brush.setAttribute('height', String(Math.max(1, Math.abs(y - startY))));
  };
  area.addEventListener('pointerdown', (event) => {
    startY = viewY(event);
    area.setPointerCapture(event.pointerId);
    draw(startY);
    event.preventDefault();
  });
  area.addEventListener('pointermove', (event) => {
    if (startY !== undefined) draw(viewY(event));
  });
  area.addEventListener('pointerup', (event) => {
    if (startY === undefined) return;
    const endY = viewY(event);
    const a = msAt(startY);
    const b = msAt(endY);
    const dragged = Math.abs(endY - startY) >= 2;
    startY = undefined;
    // A click, not a drag: no range.
    if (!dragged) return;
    form.elements.from.value = String(round(Math.min(a, b)));
    form.elements.to.value = String(round(Math.max(a, b)));
    form.submit();
  });
})();
