/* delib: small enhancements on top of server-rendered pages. Everything works without this file.
 * - note drafts are kept in localStorage until the server has them (reload, dropped connection)
 * - a failed send is retried with the same idempotency key, so it never makes a duplicate
 * - the notes poll sends If-None-Match and a cursor: an unchanged list costs a 304, a changed one
 *   only the changed cards, merged into the list (no swap of what is already there)
 * - the break countdown ticks, and speaks only at a few milestones
 */
(function () {
  "use strict";

  var RETRY_MS = 5000;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  function text(key, fallback) {
    var el = document.getElementById("delib-texts");
    return (el && el.dataset[key]) || fallback;
  }

  /* ---------- drafts ---------- */

  function draftKey(form) { return form.getAttribute("data-draft-key"); }

  function readDraft(form) {
    if (!store) return null;
    try { return JSON.parse(store.getItem(draftKey(form)) || "null"); } catch (e) { return null; }
  }

  function writeDraft(form) {
    if (!store) return;
    var body = form.querySelector("textarea[name=body]");
    if (!body) return;
    if (!body.value.trim()) { store.removeItem(draftKey(form)); return; }
    var checked = Array.prototype.map.call(
      form.querySelectorAll("input[type=checkbox]:checked"), function (c) { return c.name + "=" + c.value; });
    var key = form.querySelector("input[name=client_key]");
    store.setItem(draftKey(form), JSON.stringify({
      body: body.value, checked: checked, client_key: key ? key.value : "", at: Date.now()
    }));
  }

  function savedKeys() {
    return Array.prototype.map.call(document.querySelectorAll("[data-client-key]"),
      function (el) { return el.getAttribute("data-client-key"); });
  }

  function restoreDraft(form) {
    var draft = readDraft(form);
    if (!draft) return;
    // The server already has this draft (it was saved before the reload): drop it.
    if (draft.client_key && savedKeys().indexOf(draft.client_key) !== -1) {
      store.removeItem(draftKey(form));
      return;
    }
    var body = form.querySelector("textarea[name=body]");
    if (!body || body.value.trim()) return;
    body.value = draft.body;
    var key = form.querySelector("input[name=client_key]");
    if (key && draft.client_key) key.value = draft.client_key;
    (draft.checked || []).forEach(function (pair) {
      var i = pair.indexOf("=");
      var box = form.querySelector("input[type=checkbox][name='" + pair.slice(0, i) + "'][value='" + pair.slice(i + 1) + "']");
      if (box) box.checked = true;
    });
    status(form, text("restored", "Din ikke-gemte tekst er hentet tilbage."), "pending");
  }

  function status(form, message, kind) {
    var el = form.querySelector("[data-save-status]");
    if (!el) return;
    el.textContent = message;
    el.className = "save-status" + (kind ? " is-" + kind : "");
  }

  function setupForm(form) {
    if (form.dataset.delibReady) return;
    form.dataset.delibReady = "1";
    restoreDraft(form);
    form.addEventListener("input", function () { writeDraft(form); });
    form.addEventListener("change", function () { writeDraft(form); });
  }

  function pendingDraft() {
    var form = document.querySelector("form[data-draft-key]");
    return form && readDraft(form);
  }

  /* ---------- retries ---------- */

  var retryTimer = null;
  function scheduleRetry(form) {
    if (retryTimer) return;
    status(form, text("offline", "Ikke gemt endnu – forbindelsen svigtede. Vi prøver igen. Din tekst er gemt på denne enhed."), "error");
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      var current = document.querySelector("form[data-draft-key]");
      if (current && window.htmx) window.htmx.trigger(current, "submit");
    }, RETRY_MS);
  }

  document.addEventListener("htmx:sendError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-draft-key]");
    if (form) scheduleRetry(form);
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-draft-key]");
    if (form && evt.detail.xhr && evt.detail.xhr.status >= 500) scheduleRetry(form);
  });

  window.addEventListener("online", function () {
    var form = document.querySelector("form[data-draft-key]");
    if (form && pendingDraft() && window.htmx) window.htmx.trigger(form, "submit");
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-draft-key]")) {
      writeDraft(form);
      status(form, text("saving", "Gemmer …"), "pending");
    }
  });

  // This script empties the form after a save (below), so the server need not send a new one.
  document.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-draft-key]") && evt.detail.verb === "post") {
      evt.detail.headers["X-Delib-Form"] = "keep";
    }
  });

  // Saved: the form stays (focus, caret and a phone's keyboard with it); empty it for the next
  // note, which gets the key the server sent along, and forget the draft the server now has.
  document.addEventListener("delib:note-saved", function (evt) {
    var form = evt.target && evt.target.closest && evt.target.closest("form[data-draft-key]");
    if (!form) return;
    if (store) store.removeItem(draftKey(form));
    var body = form.querySelector("textarea[name=body]");
    if (body) body.value = "";
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
    form.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    form.querySelectorAll("details").forEach(function (details) { details.open = false; });
    var key = form.querySelector("input[name=client_key]");
    if (key && evt.detail && evt.detail.clientKey) key.value = evt.detail.clientKey;
    status(form, text("saved", "Noten er gemt."), "ok");
    // Whoever sent it from the form (the button, Ctrl+Enter) writes the next note right away;
    // focus that has moved elsewhere meanwhile stays there.
    var active = document.activeElement;
    if (body && active !== body && (form.contains(active) || active === document.body)) body.focus();
  });

  // When the form showed errors, a fresh one replaces it: before the swap (while this one is
  // still in the page), forget the draft the server has just confirmed.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var form = evt.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-draft-key]")) return;
    var xhr = evt.detail.xhr;
    var code = xhr ? xhr.status : 0;
    if ((code !== 200 && code !== 201) || xhr.getResponseHeader("HX-Reswap") === "none") return;
    if (store) store.removeItem(draftKey(form));
    // Whoever sent the note from the keyboard keeps writing in the fresh form: remember it here,
    // since the swap replaces the element that has focus.
    afterSave = { refocus: form.contains(document.activeElement) || document.activeElement === document.body };
  });

  var afterSave = null;
  document.addEventListener("htmx:afterSettle", function () {
    if (!afterSave) return;
    var form = document.querySelector("form[data-draft-key]");
    var body = form && form.querySelector("textarea[name=body]");
    if (form) status(form, text("saved", "Noten er gemt."), "ok");
    if (body && afterSave.refocus) body.focus();
    afterSave = null;
  });

  /* ---------- polling: only what changed ---------- */

  // The poll says what the list already has (ETag) and since when (cursor): an unchanged list
  // costs a 304, a changed one only the changed cards.
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    var feed = document.getElementById("notes-feed");
    if (!elt || elt.id !== "notes-list" || !feed || evt.detail.verb !== "get") return;
    if (feed.dataset.etag) evt.detail.headers["If-None-Match"] = '"' + feed.dataset.etag + '"';
    if (feed.dataset.cursor) evt.detail.parameters["efter"] = feed.dataset.cursor;
  });

  function orderOf(card) { return card.getAttribute("data-order") || ""; }

  // Merge changed cards into the list: replace by id, insert new ones in order (newest first),
  // remove the ones gone. Answers may overlap or repeat; merging twice changes nothing.
  function mergeChanges(changes) {
    var list = document.getElementById("note-cards");
    if (!list) return;
    (changes.getAttribute("data-gone") || "").split(" ").forEach(function (id) {
      var gone = id && document.getElementById(id);
      if (gone && gone.parentNode === list) list.removeChild(gone);
    });
    Array.prototype.slice.call(changes.children).forEach(function (card) {
      var old = document.getElementById(card.id);
      if (old && old.parentNode === list) {
        // An unchanged card stays, so a keyboard user's focus on its links is not lost.
        if (old.outerHTML !== card.outerHTML) list.replaceChild(card, old);
        return;
      }
      var before = null;
      for (var i = 0; i < list.children.length; i++) {
        if (orderOf(list.children[i]) < orderOf(card)) { before = list.children[i]; break; }
      }
      list.insertBefore(card, before);
    });
    var empty = document.getElementById("notes-empty");
    list.hidden = list.children.length === 0;
    if (empty) empty.hidden = list.children.length > 0;
  }

  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "notes-feed") return;
    var changes = evt.detail.fragment.querySelector("[data-changes]");
    if (changes) {
      mergeChanges(changes);
      changes.parentNode.removeChild(changes);
    }
  });

  /* ---------- countdown ---------- */

  var MILESTONES = [600, 300, 60];
  function setupCountdown(el) {
    if (el.dataset.delibReady) return;
    el.dataset.delibReady = "1";
    var end = Date.parse(el.getAttribute("data-countdown-end"));
    var start = Date.parse(el.getAttribute("data-countdown-start"));
    var left = el.querySelector("[data-countdown-left]");
    var announce = el.querySelector("[data-countdown-announce]");
    var spoken = {};
    function tick() {
      var now = Date.now();
      if (now < start || !left) return;
      var seconds = Math.max(0, Math.round((end - now) / 1000));
      var m = Math.floor(seconds / 60), s = seconds % 60;
      left.textContent = seconds > 0
        ? text("left", "{m}:{s} tilbage").replace("{m}", m).replace("{s}", (s < 10 ? "0" : "") + s)
        : text("over", "Pausen er slut");
      MILESTONES.forEach(function (mark) {
        if (seconds <= mark && seconds > mark - 5 && !spoken[mark] && announce) {
          spoken[mark] = true;
          announce.textContent = text("minutes", "{m} minutter tilbage af pausen").replace("{m}", Math.round(mark / 60));
        }
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }

  /* ---------- wiring ---------- */

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form[data-draft-key]").forEach(setupForm);
    (root.querySelectorAll ? root : document).querySelectorAll("[data-countdown-end]").forEach(setupCountdown);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    init(document);
  });
  document.addEventListener("htmx:load", function (evt) { init(evt.detail.elt.parentNode || document); });

  window.addEventListener("beforeunload", function (evt) {
    var form = document.querySelector("form[data-draft-key]");
    if (form && form.querySelector("textarea[name=body]") &&
        form.querySelector("textarea[name=body]").value.trim() && form.classList.contains("htmx-request")) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });
})();
