// Sorting of tables marked data-sortable, in the HTML report and the dashboard, without network or
// inline handlers (the pages' Content-Security-Policy allows no inline script). The server renders each
// sortable header as <th aria-sort><button class="sort" type="button">; a click sorts the body's rows by
// that column (a cell's data-sort value if it has one, else its text), numbers as numbers, and toggles
// between ascending and descending. Rows are moved, never re-created: their content stays the server's.
(function () {
  'use strict';

  function cellKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var key = cell.getAttribute('data-sort');
    return key === null ? (cell.textContent || '').trim() : key;
  }

  function compare(a, b) {
    var x = Number(a);
    var y = Number(b);
    if (a !== '' && b !== '' && !isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
  }

  function sortBy(table, header) {
    var headers = Array.prototype.slice.call(header.parentElement.children);
    var index = headers.indexOf(header);
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, key: cellKey(row, index), i: i };
    });
    rows.sort(function (p, q) {
      var d = compare(p.key, q.key);
      return (ascending ? d : -d) || p.i - q.i;
    });
    for (var r = 0; r < rows.length; r++) body.appendChild(rows[r].row);
    headers.forEach(function (h) {
      if (h.hasAttribute('aria-sort')) h.setAttribute('aria-sort', 'none');
    });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  }

  function init() {
    var tables = document.querySelectorAll('table[data-sortable]');
    Array.prototype.forEach.call(tables, function (table) {
      table.addEventListener('click', function (event) {
        var target = event.target;
        var button = target && target.closest ? target.closest('th button.sort') : null;
        if (!button || !table.tHead || !table.tHead.contains(button)) return;
        sortBy(table, button.parentElement);
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
