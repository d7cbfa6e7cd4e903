// thidua console: confirmations before actions, and the council's "fill all" helper. No library.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var fill = document.getElementById("fill-button");
  if (fill) {
    fill.addEventListener("click", function () {
      var value = document.getElementById("fill-favour").value;
      document.querySelectorAll("input.favour").forEach(function (input) { input.value = value; });
    });
  }
});
