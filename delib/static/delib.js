/* delib: small enhancements on top of server-rendered pages. Everything works without this file.
 * - note drafts are kept in localStorage until the server has them (reload, dropped connection)
 * - a failed send is retried with the same idempotency key and what was sent (no duplicate, never
 *   the field's later text), until that note is saved
 * - the server pushes the notes (EventSource on the list's data-stream-url); where the stream
 *   cannot be opened the notes poll takes over: it sends If-None-Match and a cursor, so an
 *   unchanged list costs a 304 and a changed one only the changed cards. Pushed and polled
 *   changes are the same fragment, merged into the list by one function (mergeChanges)
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
    var draft = currentDraft(form);
    var key = form.querySelector("input[name=client_key]");
    draft.client_key = key ? key.value : "";
    draft.at = Date.now();
    store.setItem(draftKey(form), JSON.stringify(draft));
  }

  function currentDraft(form) {
    var body = form.querySelector("textarea[name=body]");
    var checked = Array.prototype.map.call(
      form.querySelectorAll("input[type=checkbox]:checked"), function (c) { return c.name + "=" + c.value; });
    return { body: body ? body.value : "", checked: checked };
  }

  function savedEarlier(form) { return form.getAttribute("data-saved-earlier"); }

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
    var key = form.querySelector("input[name=client_key]");
    if (key && draft.client_key) key.value = draft.client_key;
    fillDraft(form, draft);
    status(form, text("restored", "Din ikke-gemte tekst er hentet tilbage."), "pending");
  }

  function fillDraft(form, draft) {
    var body = form.querySelector("textarea[name=body]");
    if (body) body.value = draft.body;
    (draft.checked || []).forEach(function (pair) {
      var i = pair.indexOf("=");
      var box = form.querySelector("input[type=checkbox][name='" + pair.slice(0, i) + "'][value='" + pair.slice(i + 1) + "']");
      if (box) box.checked = true;
    });
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

  /* ---------- retries ---------- */

  // A retry sends what "Gem note" sent (key, text, choices, captured then), never what the field
  // holds by then (maybe the next note, half written), and is cancelled once that note is saved.
  var sending = null;  // the request in flight: {key, entries, content}
  var pending = null;  // the one waiting for a retry, with its timer

  function noteForm() { return document.querySelector("form[data-draft-key]"); }

  function entriesOf(formData) {
    var entries = [];
    formData.forEach(function (value, name) { entries.push([name, value]); });
    return entries;
  }

  // What the member wrote and chose, without the tokens.
  function contentOf(form) {
    return JSON.stringify(entriesOf(new FormData(form)).filter(function (entry) {
      return ["csrf_token", "client_key", "errors_shown"].indexOf(entry[0]) === -1;
    }));
  }

  function cancelRetry() {
    if (pending && pending.timer) window.clearTimeout(pending.timer);
    pending = null;
  }

  function retryNow() {
    var form = noteForm();
    if (!pending || !form || !window.htmx) return;
    if (pending.timer) window.clearTimeout(pending.timer);
    pending.timer = null;
    window.htmx.trigger(form, "submit", { delibRetry: pending });
  }

  function scheduleRetry(form) {
    status(form, text("offline", "Ikke gemt endnu – forbindelsen svigtede. Vi prøver igen. Din tekst er gemt på denne enhed."), "error");
    if (!sending) return;
    pending = sending;
    if (!pending.timer) pending.timer = window.setTimeout(retryNow, RETRY_MS);
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-draft-key]") || evt.detail.verb !== "post") return;
    // This script empties the form after a save, so the server need not send a new one.
    evt.detail.headers["X-Delib-Form"] = "keep";
    var trigger = evt.detail.triggeringEvent;
    var retry = trigger && trigger.detail && trigger.detail.delibRetry;
    if (retry) {
      var data = new FormData();
      retry.entries.forEach(function (entry) { data.append(entry[0], entry[1]); });
      evt.detail.parameters = data;
      sending = retry;
      return;
    }
    cancelRetry();  // sent by the member: this replaces what waited
    var entries = entriesOf(evt.detail.formData);
    var key = entries.filter(function (entry) { return entry[0] === "client_key"; })[0];
    sending = { key: key ? key[1] : "", entries: entries, content: contentOf(form), timer: null };
  });

  document.addEventListener("htmx:sendError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-draft-key]");
    if (form) scheduleRetry(form);
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-draft-key]");
    if (form && evt.detail.xhr && evt.detail.xhr.status >= 500) scheduleRetry(form);
  });

  // Answered (saved, or refused with the reason in the form): nothing is left to retry.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-draft-key]")) return;
    var code = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (code >= 200 && code < 500 && pending && sending && pending.key === sending.key) cancelRetry();
  });

  // Back online: the note waiting goes now; a draft nobody sent stays a draft.
  window.addEventListener("online", retryNow);

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-draft-key]")) {
      writeDraft(form);
      status(form, text("saving", "Gemmer …"), "pending");
    }
  });

  // Saved: the form stays (focus, caret and a phone's keyboard with it); empty it for the next
  // note, which gets the key the server sent along, and forget the draft the server now has.
  document.addEventListener("delib:note-saved", function (evt) {
    var form = evt.target && evt.target.closest && evt.target.closest("form[data-draft-key]");
    if (!form) return;
    var detail = evt.detail || {};
    var savedKey = detail.savedKey || (sending && sending.key);
    var sent = sending && sending.key === savedKey ? sending : null;
    if (pending && pending.key === savedKey) cancelRetry();
    var key = form.querySelector("input[name=client_key]");
    if (key && savedKey && key.value !== savedKey) return;  // the form has moved on: leave it
    if (key && detail.clientKey) key.value = detail.clientKey;
    if (sent && contentOf(form) !== sent.content) {
      // Written on after "Gem note": a note of its own, under the new key, not sent yet.
      writeDraft(form);
      status(form, savedEarlier(form), "pending");
      return;
    }
    if (store) store.removeItem(draftKey(form));
    var body = form.querySelector("textarea[name=body]");
    if (body) body.value = "";
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
    form.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
    form.querySelectorAll("details").forEach(function (details) { details.open = false; });
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
    if (pending && sending && pending.key === sending.key) cancelRetry();
    // Whoever sent the note from the keyboard keeps writing in the fresh form: remember it here,
    // since the swap replaces the element that has focus. So is text written after "Gem note".
    afterSave = { refocus: form.contains(document.activeElement) || document.activeElement === document.body,
                  carry: sending && contentOf(form) !== sending.content ? currentDraft(form) : null,
                  message: savedEarlier(form) };
  });

  var afterSave = null;
  document.addEventListener("htmx:afterSettle", function () {
    if (!afterSave) return;
    var form = document.querySelector("form[data-draft-key]");
    var body = form && form.querySelector("textarea[name=body]");
    if (form && afterSave.carry) {
      fillDraft(form, afterSave.carry);
      writeDraft(form);
      status(form, afterSave.message, "pending");
    } else if (form) {
      status(form, text("saved", "Noten er gemt."), "ok");
    }
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

  /* ---------- server push: the stream, with the poll as fallback ----------
   * A pushed `notes` event is the fragment a poll with changes answers: htmx swaps its
   * out-of-band parts, so mergeChanges above merges it and #notes-feed's cursor/ETag move on.
   * Plain EventSource rather than htmx's SSE extension: no second library, and the fallback to
   * the poll and the `end` event need these few lines either way. */

  var stream = null;
  var streamUp = false;
  var streamErrors = 0;

  function openStream() {
    var list = document.getElementById("notes-list");
    var url = list && list.getAttribute("data-stream-url");
    if (stream || !url || !window.EventSource || !window.htmx) return;
    var feed = document.getElementById("notes-feed");
    // From where the list stands now (a poll may have moved the cursor since the page came).
    if (feed && feed.dataset.cursor) url = url.replace(/([?&]efter=)\d*/, "$1" + feed.dataset.cursor);
    var opened = false;
    var cross = new URL(url, window.location.href).origin !== window.location.origin;
    stream = new EventSource(url, { withCredentials: cross });
    stream.onopen = function () { opened = true; streamUp = true; streamErrors = 0; };
    stream.onerror = function () {
      streamUp = false;
      streamErrors += 1;
      // Never opened (a proxy that blocks it), closed for good, or failing again and again:
      // the poll takes over. A stream that just ended its time reconnects by itself.
      if (!opened || streamErrors >= 3 || stream.readyState === 2) { stream.close(); stream = "off"; }
    };
    stream.addEventListener("notes", function (evt) {
      var target = document.getElementById("notes-list");
      if (target) window.htmx.swap(target, evt.data, { swapStyle: "none" });
    });
    // Access ended (removed, a new code, signed out): stop, say why, and reload.
    stream.addEventListener("end", function (evt) {
      stream.close(); stream = "off"; streamUp = false;
      var box = document.getElementById("messages");
      if (box && evt.data) {
        var line = document.createElement("p");
        line.className = "flash flash-info";
        line.textContent = evt.data;
        box.appendChild(line);
      }
      window.setTimeout(function () { window.location.reload(); }, 3000);
    });
  }

  // No poll goes out while the stream is open.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (streamUp && evt.detail.elt && evt.detail.elt.id === "notes-list") evt.preventDefault();
  });

  /* ---------- suggested tasks while typing (issue 12) ----------
   * A pause in typing sends the note's text with POST (never in a URL) to the suggestion
   * endpoint, and its chips go into #note-suggestions. "Tilføj" ticks the box and adds a hidden
   * input saying the tick came from a suggestion (the mapping's provenance). Plain fetch, not
   * htmx: these requests must never reach the note form's save-and-retry handling above. */

  var SUGGEST_DELAY_MS = 700;
  var suggestTimer = null;
  var suggestAbort = null;
  var suggestLast = "";

  function suggestBox(form) { return form && form.querySelector("#note-suggestions[data-suggest-url]"); }

  function clearSuggestions(form) {
    var box = suggestBox(form);
    if (box) { box.innerHTML = ""; box.hidden = true; }
    var inputs = form && form.querySelector("[data-suggested-inputs]");
    if (inputs) inputs.innerHTML = "";
    suggestLast = "";
  }

  function fetchSuggestions(form) {
    var box = suggestBox(form);
    var body = form.querySelector("textarea[name=body]");
    if (!box || !body || !window.fetch) return;
    var data = new FormData(form);
    var content = body.value.trim();
    var ticked = Array.prototype.map.call(form.querySelectorAll("input[type=checkbox]:checked"),
      function (c) { return c.name + "=" + c.value; }).join("&");
    if (content + "|" + ticked === suggestLast) return;
    suggestLast = content + "|" + ticked;
    if (content.length < 12) { box.innerHTML = ""; box.hidden = true; return; }
    if (suggestAbort) suggestAbort.abort();
    suggestAbort = window.AbortController ? new AbortController() : null;
    var csrf = form.querySelector("input[name=csrf_token]");
    window.fetch(box.getAttribute("data-suggest-url"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: csrf ? { "X-CSRFToken": csrf.value } : {},
      signal: suggestAbort ? suggestAbort.signal : undefined
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || !document.body.contains(box)) return;
      if (box.innerHTML.trim() !== html.trim()) box.innerHTML = html;
      box.hidden = !html.trim();
    }).catch(function () { /* suggestions are a help, never in the way */ });
  }

  document.addEventListener("input", function (evt) {
    var form = evt.target && evt.target.closest && evt.target.closest("form[data-draft-key]");
    if (!form || evt.target.name !== "body" || !suggestBox(form)) return;
    if (suggestTimer) window.clearTimeout(suggestTimer);
    suggestTimer = window.setTimeout(function () { fetchSuggestions(form); }, SUGGEST_DELAY_MS);
  });

  document.addEventListener("click", function (evt) {
    var button = evt.target && evt.target.closest && evt.target.closest("[data-accept-suggestion]");
    var form = button && button.closest("form[data-draft-key]");
    if (!form) return;
    var field = button.getAttribute("data-field"), value = button.getAttribute("data-value");
    var box = form.querySelector("input[type=checkbox][name='" + field + "'][value='" + value + "']");
    if (!box) return;
    box.checked = true;
    var details = box.closest("details");
    if (details) details.open = true;
    var inputs = form.querySelector("[data-suggested-inputs]");
    var name = field === "tasks" ? "suggested_tasks" : "suggested_messages";
    if (inputs && !inputs.querySelector("input[name='" + name + "'][value='" + value + "']")) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = name; hidden.value = value;
      inputs.appendChild(hidden);
    }
    var chip = button.closest(".suggestion-chip");
    if (chip) chip.parentNode.removeChild(chip);
    var list = form.querySelector("#note-suggestions .suggestion-chips");
    if (list && !list.children.length) clearChips(form);
    box.dispatchEvent(new Event("change", { bubbles: true }));  // the draft keeps the tick
    box.focus();
  });

  // The last chip taken: the chips go, the name guard's warning (if any) stays.
  function clearChips(form) {
    var box = suggestBox(form);
    if (!box) return;
    box.querySelectorAll(".suggestions-label, .suggestion-chips").forEach(function (el) {
      el.parentNode.removeChild(el);
    });
    if (!box.children.length) box.hidden = true;
  }

  // Saved: the next note starts without the last one's suggestions.
  document.addEventListener("delib:note-saved", function (evt) {
    var form = evt.target && evt.target.closest && evt.target.closest("form[data-draft-key]");
    if (form) clearSuggestions(form);
  });

  /* ---------- end of suggested tasks ---------- */

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
    var timer = null;
    function say(message) { if (announce) announce.textContent = message; }
    function tick() {
      var now = Date.now();
      if (now < start || !left) return;
      var seconds = Math.max(0, Math.round((end - now) / 1000));
      var m = Math.floor(seconds / 60), s = seconds % 60;
      if (seconds <= 0) {
        // Over: say so (no time left lingers in the spoken line) and stop.
        left.textContent = text("over", "Pausen er slut");
        say(el.getAttribute("data-countdown-say-over"));
        if (timer) window.clearInterval(timer);
        return;
      }
      left.textContent = text("left", "{m}:{s} tilbage").replace("{m}", m).replace("{s}", (s < 10 ? "0" : "") + s);
      MILESTONES.forEach(function (mark) {
        if (seconds <= mark && seconds > mark - 5 && !spoken[mark]) {
          spoken[mark] = true;
          say(el.getAttribute("data-countdown-say-" + mark));  // singular or plural, from the page
        }
      });
    }
    timer = window.setInterval(tick, 1000);
    tick();
  }

  /* ---------- wiring ---------- */

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form[data-draft-key]").forEach(setupForm);
    (root.querySelectorAll ? root : document).querySelectorAll("[data-countdown-end]").forEach(setupCountdown);
    openStream();
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
