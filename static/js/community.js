/*
 * The community's post forms, enhanced. Progressive: without JavaScript every form
 * works as it is (mentions are typed in full, images are uploaded on their own page).
 *
 * - Mention suggestions: in a text area marked data-mentions, typing "@" and a letter
 *   or more asks /api/v1/cohorts/<cohort>/community/members/?q=<text> (the cohort id is
 *   the form's data-cohort) and shows the people found as a listbox under the text
 *   (ARIA: aria-autocomplete, aria-controls, aria-activedescendant and a live count; a
 *   textarea is a textbox, which takes no aria-expanded).
 *   Up/Down move, Enter or Tab chooses (inserting "@username "), Escape closes.
 * - Image upload: the form's data-upload address takes the image and answers with the
 *   Markdown that shows it, inserted where the cursor is.
 *
 * The words shown come from the page (data-label-* on [data-upload-hint]): the
 * server translates them.
 */
(function () {
  "use strict";

  var MENTION = /(^|[^\w@\/.])@([A-Za-z0-9_.+\-]{1,60})$/;
  var uid = 0;

  function labels() {
    var source = document.querySelector("[data-upload-hint]");
    var read = function (name, fallback) {
      return (source && source.getAttribute("data-label-" + name)) || fallback;
    };
    return {
      add: read("add", "Add an image"),
      uploading: read("uploading", "Uploading…"),
      added: read("added", "Added."),
      failed: read("failed", "The image could not be uploaded."),
      suggestions: read("suggestions", "People to mention"),
      countOne: read("count-one", "1 person found."),
      countMany: read("count-many", "%(n)s people found."),
    };
  }

  function insertAt(textarea, start, end, text) {
    var value = textarea.value;
    textarea.value = value.slice(0, start) + text + value.slice(end);
    var caret = start + text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setUpMentions(form, textarea, words) {
    var cohort = form.getAttribute("data-cohort");
    if (!cohort || !/^\d+$/.test(cohort)) return;
    uid += 1;
    var listId = "mention-list-" + uid;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", words.suggestions);
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.insertAdjacentElement("afterend", status);
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", listId);

    var people = [];
    var active = -1;
    var query = null;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (index >= 0 && options[index]) {
        textarea.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        textarea.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var person = people[index];
      if (!person || !query) return;
      var end = textarea.selectionStart;
      var start = query.start;
      close();
      query = null;
      insertAt(textarea, start, end, "@" + person.username + " ");
      textarea.focus();
    }

    function show(results) {
      close();
      people = results.slice(0, 8);
      if (!people.length) {
        return;
      }
      people.forEach(function (person, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent =
          person.name && person.name !== person.username
            ? person.name + " (@" + person.username + ")"
            : "@" + person.username;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the text
        });
        option.addEventListener("click", function () {
          choose(index);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      highlight(0);
      status.textContent =
        people.length === 1
          ? words.countOne
          : words.countMany.replace("%(n)s", String(people.length));
    }

    function ask() {
      if (!query) return;
      asked += 1;
      var mine = asked;
      var url =
        "/api/v1/cohorts/" + cohort + "/community/members/?q=" + encodeURIComponent(query.text);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (mine === asked && query) show((data && data.results) || []);
        })
        .catch(function () {
          close();
        });
    }

    textarea.addEventListener("input", function () {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = MENTION.exec(before);
      window.clearTimeout(timer);
      if (!match) {
        query = null;
        close();
        return;
      }
      query = { start: textarea.selectionStart - match[2].length - 1, text: match[2] };
      timer = window.setTimeout(ask, 150);
    });

    textarea.addEventListener("keydown", function (event) {
      if (list.hidden || !people.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + people.length) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        query = null;
        close();
      }
    });

    textarea.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
  }

  function setUpUpload(form, textarea, words) {
    var hint = form.querySelector("[data-upload-hint]");
    var address = form.getAttribute("data-upload");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!hint || !address || !token || !window.FormData) return;
    var input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png,image/gif,image/webp";
    input.hidden = true;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary";
    button.textContent = words.add;
    var status = document.createElement("span");
    status.className = "image-status small";
    status.setAttribute("role", "status");
    hint.textContent = "";
    hint.appendChild(button);
    hint.appendChild(document.createTextNode(" "));
    hint.appendChild(status);
    hint.appendChild(input);

    button.addEventListener("click", function () {
      input.click();
    });
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      var data = new FormData();
      data.append("image", input.files[0]);
      data.append("csrfmiddlewaretoken", token.value);
      status.textContent = words.uploading;
      button.disabled = true;
      fetch(address, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token.value },
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (answer) {
          if (!answer.ok || !answer.body.markdown) {
            status.textContent = (answer.body && answer.body.detail) || words.failed;
            return;
          }
          var at = textarea.selectionStart;
          var before = textarea.value.slice(0, at);
          var gap = before && !/\n$/.test(before) ? "\n" : "";
          insertAt(textarea, at, textarea.selectionEnd, gap + answer.body.markdown + "\n");
          status.textContent = words.added;
        })
        .catch(function () {
          status.textContent = words.failed;
        })
        .then(function () {
          button.disabled = false;
          input.value = "";
        });
    });
  }

  function setUp() {
    var words = labels();
    var forms = document.querySelectorAll("form[data-cohort]");
    for (var i = 0; i < forms.length; i++) {
      var textarea = forms[i].querySelector("textarea[data-mentions]");
      if (!textarea) continue;
      setUpMentions(forms[i], textarea, words);
      setUpUpload(forms[i], textarea, words);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
