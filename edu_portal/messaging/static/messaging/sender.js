// The compose page: a small rich-text editor over the body's textarea, and the reply
// settings shown only for a reply form. Without JavaScript the textarea is used as it is
// (plain paragraphs). The server sanitises whatever arrives (nh3); the paste filter here
// only keeps pasted Word or web pages from bringing their styles into the editor.

const ALLOWED = new Set([
  "P", "BR", "STRONG", "B", "EM", "I", "U", "UL", "OL", "LI", "H3", "H4", "BLOCKQUOTE", "A",
]);

function cleanNode(node, doc) {
  const out = doc.createDocumentFragment();
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.append(doc.createTextNode(child.textContent));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const inner = cleanNode(child, doc);
      if (ALLOWED.has(child.tagName)) {
        const copy = doc.createElement(child.tagName);
        const href = child.tagName === "A" ? child.getAttribute("href") || "" : "";
        if (/^https?:\/\//i.test(href)) {
          copy.setAttribute("href", href);
        }
        copy.append(inner);
        out.append(copy);
      } else {
        // Spans, fonts, divs of Word: keep their text, drop the wrapper.
        out.append(inner);
        if (child.tagName === "DIV" || child.tagName === "TR") {
          out.append(doc.createElement("BR"));
        }
      }
    }
  }
  return out;
}

function cleanHtml(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const holder = document.createElement("div");
  holder.append(cleanNode(parsed.body, document));
  return holder.innerHTML;
}

function setUpEditor(container) {
  const source = container.querySelector("textarea");
  const area = container.querySelector(".editor-area");
  const toolbar = container.querySelector(".editor-toolbar");
  if (!source || !area || !toolbar) {
    return;
  }
  area.innerHTML = cleanHtml(source.value);
  area.hidden = false;
  toolbar.hidden = false;
  source.hidden = true;
  const sync = () => {
    source.value = area.innerHTML;
  };
  area.addEventListener("input", sync);
  area.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data) {
      return;
    }
    event.preventDefault();
    const html = data.getData("text/html");
    if (html) {
      document.execCommand("insertHTML", false, cleanHtml(html));
    } else {
      document.execCommand("insertText", false, data.getData("text/plain"));
    }
    sync();
  });
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-command]");
    if (!button) {
      return;
    }
    area.focus();
    const command = button.dataset.command;
    if (command === "heading") {
      document.execCommand("formatBlock", false, "h3");
    } else {
      document.execCommand(command, false, null);
    }
    sync();
  });
  container.closest("form").addEventListener("submit", sync);
}

function setUpReplySettings(form) {
  const settings = form.querySelector("[data-reply-settings]");
  const radios = form.querySelectorAll('input[name="ack"]');
  if (!settings || !radios.length) {
    return;
  }
  const update = () => {
    const chosen = form.querySelector('input[name="ack"]:checked');
    settings.hidden = !chosen || chosen.value !== "reply";
  };
  radios.forEach((radio) => radio.addEventListener("change", update));
  update();
}

const form = document.querySelector(".notice-form");
if (form) {
  form.querySelectorAll("[data-editor]").forEach(setUpEditor);
  setUpReplySettings(form);
}
