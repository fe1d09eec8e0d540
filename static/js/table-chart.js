/*
 * Charts drawn from tables (Chart.js, static/vendor/chartjs/). Progressive: the table
 * is the source and stays on the page; without JavaScript it is what people see.
 *
 * A table marked data-chart="line" or "bar" is drawn into the element whose id is its
 * data-chart-box (shown only once the chart is there). Each column whose header has
 * data-series is one series: its label is the header's text, its figures the cells'
 * data-value, divided by data-chart-scale (100 turns cents into euros). The rows'
 * labels are the row headers' text. The canvas is an image labelled by
 * data-chart-label, which points to the table for the figures.
 */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }
  var css = window.getComputedStyle(document.documentElement);
  var colours = ["--accent", "--danger", "--link", "--warn"].map(function (name) {
    return css.getPropertyValue(name).trim() || "#0b5d4b";
  });
  var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function text(cell) {
    return cell.textContent.replace(/\s+/g, " ").trim();
  }

  function draw(table) {
    var box = document.getElementById(table.getAttribute("data-chart-box"));
    if (!box || !table.tHead || !table.tBodies.length) {
      return;
    }
    var scale = Number(table.getAttribute("data-chart-scale")) || 1;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var datasets = [];
    headers.forEach(function (th, column) {
      if (!th.hasAttribute("data-series")) {
        return;
      }
      var colour = colours[datasets.length % colours.length];
      datasets.push({
        label: text(th),
        data: rows.map(function (tr) {
          var cell = tr.cells[column];
          return cell ? Number(cell.getAttribute("data-value")) / scale : null;
        }),
        borderColor: colour,
        backgroundColor: colour,
      });
    });
    if (!datasets.length) {
      return;
    }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", table.getAttribute("data-chart-label") || "");
    box.appendChild(canvas);
    box.hidden = false;
    var options = {
      maintainAspectRatio: false,
      responsive: true,
      scales: { y: { beginAtZero: true } },
      plugins: { legend: { position: "bottom" } },
    };
    if (still) {
      options.animation = false;
    }
    var labels = rows.map(function (tr) {
      return text(tr.cells[0]);
    });
    new window.Chart(canvas, {
      type: table.getAttribute("data-chart"),
      data: { labels: labels, datasets: datasets },
      options: options,
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-chart]"), draw);
})();
