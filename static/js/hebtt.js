// HebTT's own behaviour. No inline scripts anywhere (the Content Security Policy forbids them).
(function () {
  "use strict";
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // The error summary of a form that failed (includes/form_errors.html) takes the focus when the page
  // opens, and its links take the focus to the field they name: following a link to "#id" only scrolls.
  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field && field.matches("input, select, textarea, button, [tabindex]")) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    }
  });
  // Select boxes with data-autosubmit submit their form on change (filters).
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) {
      event.target.form.requestSubmit();
    }
  });
  // A table wider than the screen scrolls in its .table-responsive box: keyboard users scroll it once it
  // has the focus, so such a box joins the tab order, named after the table's caption or heading.
  function focusableWhenScrolling() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var heading = box.previousElementSibling;
        var name = caption || (heading && heading.matches("h1, h2, h3, h4, h5, h6") ? heading : null);
        box.setAttribute("tabindex", "0");
        if (name) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", name.textContent.trim());
        }
        box.dataset.scrollFocus = "";
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        ["tabindex", "role", "aria-label", "data-scroll-focus"].forEach(function (attribute) {
          box.removeAttribute(attribute);
        });
      }
    });
  }
  focusableWhenScrolling();
  window.addEventListener("resize", focusableWhenScrolling);
  document.addEventListener("htmx:afterSettle", focusableWhenScrolling);
})();
