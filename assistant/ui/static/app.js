// Citation badges open the sources panel and scroll to the cited card.
// Inlined into the page's <head> by assistant/ui/app.py (launch(head=...)).
document.addEventListener("click", function (ev) {
  var link = ev.target && ev.target.closest ? ev.target.closest("a.cite") : null;
  if (!link) return;
  ev.preventDefault();
  ev.stopPropagation();
  var id = (link.getAttribute("href") || "").slice(1);
  function show() {
    var card = document.getElementById(id);
    if (!card) return false;
    var fold = card.closest("details");
    if (fold && !fold.open) fold.open = true;
    if (card.offsetParent === null) return false;
    card.scrollIntoView({behavior: "smooth", block: "center"});
    card.classList.add("flash");
    setTimeout(function () { card.classList.remove("flash"); }, 1600);
    return true;
  }
  if (show()) return;
  var panel = document.getElementById("sources-panel");
  var toggle = panel ? panel.querySelector("button") : null;
  if (toggle) toggle.click();
  var tries = 0;
  var timer = setInterval(function () {
    if (show() || ++tries > 20) clearInterval(timer);
  }, 100);
}, true);
