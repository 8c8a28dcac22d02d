/*
 * Redraw each server-drawn Insight chart with Vega-Lite in the page, from the same spec the
 * server used, so hovering a bar or point shows its figure. The static SVG stays until the
 * new drawing has rendered, and stays for good if anything fails. The drawing keeps
 * aria-hidden: the table under each chart is the accessible version of its figures.
 */
(function () {
  "use strict";
  if (typeof window.vegaEmbed !== "function") {
    return;
  }
  document.querySelectorAll("[data-chart-spec]").forEach(function (holder) {
    var source = document.getElementById(holder.getAttribute("data-chart-spec"));
    if (!source) {
      return;
    }
    var drawing = document.createElement("div");
    drawing.hidden = true;
    holder.appendChild(drawing);
    window
      .vegaEmbed(drawing, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
      .then(function () {
        Array.prototype.slice.call(holder.children).forEach(function (child) {
          if (child !== drawing) {
            holder.removeChild(child);
          }
        });
        drawing.hidden = false;
        holder.classList.add("insight-chart--interactive");
      })
      .catch(function () {
        holder.removeChild(drawing);
      });
  });
})();
