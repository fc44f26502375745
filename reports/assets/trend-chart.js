// Line charts of rates over days (compliance and escrow trends) with uPlot, in the HTML report and the
// dashboard. Each <div class="chart" data-chart="ID"> is drawn from the JSON in <script
// type="application/json" id="ID">: { x: [UTC midnights in epoch seconds], unit: "%", series: [{ label,
// stroke, values: [number|null] }] }. The data are numbers only (no text from a Mac reaches the script);
// labels are ours. The table beside each chart holds the same numbers for readers without canvas.
(function () {
  'use strict';

  function draw(container) {
    var id = container.getAttribute('data-chart');
    var source = id ? document.getElementById(id) : null;
    if (!source || typeof uPlot !== 'function') return;
    var spec = JSON.parse(source.textContent || '{}');
    if (!spec.x || spec.x.length === 0) return;
    var unit = spec.unit || '';
    var few = spec.x.length < 45;
    var format = function (v) {
      return v === null || v === undefined ? '\u2013' : (Math.round(v * 10) / 10).toString() + unit;
    };
    var options = {
      width: Math.max(280, container.clientWidth),
      height: 260,
      // Room on the right for the last day's label, centred under the chart's edge.
      padding: [12, 36, 0, 0],
      tzDate: function (ts) {
        return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
      },
      scales: { x: { time: true }, y: { range: unit === '%' ? [0, 100] : undefined } },
      axes: [
        // Whole days only (the data are one point per UTC day): no hour ticks between them.
        {
          stroke: '#5b6675',
          grid: { stroke: '#eef1f6' },
          incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 364 * 86400],
          values: '{YYYY}-{MM}-{DD}',
        },
        {
          stroke: '#5b6675',
          grid: { stroke: '#eef1f6' },
          values: function (_u, ticks) {
            return ticks.map(function (t) {
              return t + unit;
            });
          },
        },
      ],
      series: [{ label: 'day', value: '{YYYY}-{MM}-{DD}' }].concat(
        spec.series.map(function (s) {
          return {
            label: s.label,
            stroke: s.stroke,
            width: 2,
            spanGaps: false,
            points: { show: few, size: 5 },
            value: function (_u, v) {
              return format(v);
            },
          };
        }),
      ),
    };
    var data = [spec.x].concat(
      spec.series.map(function (s) {
        return s.values;
      }),
    );
    container.textContent = '';
    var plot = new uPlot(options, data, container);
    container.setAttribute('data-rendered', 'true');
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(function () {
        var width = Math.max(280, container.clientWidth);
        if (width !== plot.width) plot.setSize({ width: width, height: 260 });
      }).observe(container);
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('.chart[data-chart]'), draw);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
