// The contract declaration form: subtypes per type, fields per type, formset rows, the live technology value,
// and the invalid state of fields after the server's checks (htmx swaps the error boxes out of band).
(function () {
  "use strict";
  var form = document.getElementById("contract-form");
  if (!form) {
    return;
  }

  // Subtypes and fields that depend on the contract type -----------------------------------------
  var typeSelect = form.querySelector("[data-contract-type]");
  var subtypeSelect = form.querySelector("[data-subtype]");

  function applyType() {
    var type = typeSelect ? typeSelect.value : "";
    if (subtypeSelect) {
      Array.prototype.forEach.call(subtypeSelect.options, function (option) {
        var parent = option.dataset.parent;
        var fits = !parent || !type || parent === type;
        option.hidden = !fits;
        option.disabled = !fits;
      });
      var chosen = subtypeSelect.selectedOptions[0];
      if (chosen && chosen.disabled) {
        subtypeSelect.value = "";
      }
    }
    form.querySelectorAll("[data-show-for-types]").forEach(function (block) {
      var types = block.dataset.showForTypes.split(" ");
      block.classList.toggle("d-none", types.indexOf(type) === -1);
    });
  }

  var countrySelect = form.querySelector("[name=buyer_country]");
  function applyCountry() {
    var domestic = !countrySelect || countrySelect.value === "CN";
    form.querySelectorAll("[data-domestic-only]").forEach(function (block) {
      block.classList.toggle("d-none", !domestic);
    });
  }

  // Money in cents, so that 0.1 + 0.2 is 0.30 -------------------------------------------------------
  function cents(text) {
    var value = String(text || "").trim().replace(/,/g, "");
    if (!/^\d+(\.\d{0,2})?$/.test(value)) {
      return null;
    }
    var parts = value.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function yuan(amount) {
    var negative = amount < 0;
    var absolute = Math.abs(amount);
    var whole = Math.floor(absolute / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var text = whole + "." + ("0" + (absolute % 100)).slice(-2);
    return (negative ? "-" : "") + text;
  }

  var contractInput = form.querySelector("[data-contract-value]");
  var technologyInput = form.querySelector("[data-technology-value]");

  function recompute() {
    var contract = contractInput ? cents(contractInput.value) : null;
    var deducted = 0;
    form.querySelectorAll("[data-deduction-amount]").forEach(function (input) {
      var row = input.closest("tr");
      var removed = row && row.querySelector("[data-delete-row]:checked");
      var value = cents(input.value);
      if (!removed && value !== null) {
        deducted += value;
      }
    });
    var technology = contract === null ? null : contract - deducted;
    document.getElementById("sum-contract").textContent = contract === null ? "—" : yuan(contract);
    document.getElementById("sum-deductions").textContent = yuan(deducted);
    document.getElementById("sum-technology").textContent = technology === null ? "—" : yuan(technology);
    document.getElementById("warn-negative").classList.toggle("d-none", technology === null || technology >= 0);
    var declared = technologyInput ? cents(technologyInput.value) : null;
    var mismatch = declared !== null && technology !== null && technology >= 0 && declared !== technology;
    document.getElementById("warn-mismatch").classList.toggle("d-none", !mismatch);
    if (technologyInput && technology !== null && technology >= 0) {
      technologyInput.placeholder = yuan(technology).replace(/,/g, "");
    }
    document.getElementById("value-summary").classList.toggle("is-negative", technology !== null && technology < 0);
  }

  // Formset rows ------------------------------------------------------------------------------------
  form.querySelectorAll("[data-formset]").forEach(function (box) {
    var prefix = box.dataset.formset;
    var total = box.querySelector("[name=" + prefix + "-TOTAL_FORMS]");
    var template = box.querySelector("template[data-formset-template]");
    var body = box.querySelector("[data-formset-body]");
    box.querySelector("[data-formset-add]").addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = body.lastElementChild.querySelector("select, input");
      if (first) {
        first.focus();
      }
    });
  });

  // After the server's checks, mark the fields whose error box is not empty ---------------------------
  // (as the server renders them: is-invalid, aria-invalid and the box named in aria-describedby).
  function markInvalid() {
    form.querySelectorAll(".invalid-feedback[id$='_error']").forEach(function (box) {
      var field = document.getElementById(box.id.replace(/_error$/, ""));
      if (!field || !field.classList) {
        return;
      }
      var invalid = box.textContent.trim() !== "";
      field.classList.toggle("is-invalid", invalid);
      if (invalid) {
        field.setAttribute("aria-invalid", "true");
      } else {
        field.removeAttribute("aria-invalid");
      }
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== box.id;
      });
      if (invalid) {
        described.push(box.id);
      }
      if (described.length) {
        field.setAttribute("aria-describedby", described.join(" "));
      } else {
        field.removeAttribute("aria-describedby");
      }
    });
  }

  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-contract-value], [data-technology-value], [data-deduction-amount]")) {
      recompute();
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target === typeSelect) {
      applyType();
    } else if (event.target === countrySelect) {
      applyCountry();
    } else if (event.target.matches("[data-delete-row]")) {
      event.target.closest("tr").classList.toggle("row-removed", event.target.checked);
      recompute();
    }
  });
  document.body.addEventListener("htmx:afterSettle", markInvalid);

  applyType();
  applyCountry();
  recompute();
})();
