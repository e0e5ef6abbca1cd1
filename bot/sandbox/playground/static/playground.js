// The playground: the sandbox guild drawn like a Discord client, acting as one member.
// Every piece of text is set with textContent on an element made for it: a member's text never
// becomes HTML. Markup arrives already split into nodes (bot/sandbox/playground/markup.py).
"use strict";

(() => {
  const main = document.getElementById("main");
  const token = document.querySelector('meta[name="playground-token"]').content;
  const messagesList = document.getElementById("messages");
  const channelList = document.getElementById("channel-list");
  const status = document.getElementById("status");
  const input = document.getElementById("command");
  const suggestions = document.getElementById("suggestions");
  const actingAs = document.getElementById("as");
  const dialog = document.getElementById("modal");
  const POLL_MS = 1000;
  const MAX_SUGGESTIONS = 25;
  let user = main.dataset.user;
  let channel = main.dataset.channel;
  // A channel opens at its newest message, as in a Discord client; then the view follows new
  // messages only while the reader is at the bottom.
  let justOpened = true;
  let lastState = "";
  let commands = [];
  let pickers = {};
  let messageMenus = [];
  let offered = [];
  let highlighted = -1;
  let openModal = null;
  let autocompleteAsked = 0;

  document.documentElement.classList.add("js");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // -- talking to the playground ------------------------------------------------------------

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Playground-Token": token },
      body: JSON.stringify({ as: user, channel, ...body }),
    });
    const data = await response.json().catch(() => ({ error: "The playground did not answer." }));
    if (!response.ok) throw new Error(data.error || "Something went wrong.");
    return data;
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  async function act(path, body) {
    say("Waiting for Nexus…");
    try {
      const outcome = await post(path, body);
      if (outcome.modal) showModal(outcome.modal);
      await refresh();
      say("");
      return true;
    } catch (error) {
      say(error.message, true);
      return false;
    }
  }

  async function refresh() {
    if (document.hidden) return; // a tab in the background asks nothing
    const query = new URLSearchParams({ as: user, channel });
    const response = await fetch(`/api/state?${query}`);
    if (!response.ok) return;
    const text = await response.text();
    if (text === lastState) return;
    lastState = text;
    const state = JSON.parse(text);
    drawChannels(state.channels);
    const title = document.getElementById("channel-title");
    title.textContent = state.channel.name;
    title.classList.toggle("direct", state.channel.direct);
    document.title = `#${state.channel.name} · ${state.guild} · Nexus playground`;
    drawMessages(state.messages);
  }

  async function loadCommands() {
    const query = new URLSearchParams({ as: user, channel });
    const response = await fetch(`/api/commands?${query}`);
    if (!response.ok) return;
    const data = await response.json();
    commands = data.commands;
    pickers = data.pickers;
    messageMenus = data.message_menus;
    lastState = ""; // draw the messages again, with this member's Apps menus
    refresh();
  }

  // -- markup --------------------------------------------------------------------------------

  const TAGS = { b: "strong", i: "em", u: "u", s: "s" };
  const TIME_STYLES = {
    t: { timeStyle: "short" },
    T: { timeStyle: "medium" },
    d: { dateStyle: "short" },
    D: { dateStyle: "long" },
    f: { dateStyle: "long", timeStyle: "short" },
    F: { dateStyle: "full", timeStyle: "short" },
  };

  function relative(unix) {
    const seconds = unix - Date.now() / 1000;
    const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
    const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    for (const [unit, size] of units) {
      if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
    }
    return format.format(Math.round(seconds), "second");
  }

  function markupNode(node) {
    switch (node.t) {
      case "text": return document.createTextNode(node.v);
      case "code": return el("code", "inline", node.v);
      case "pre": {
        const pre = el("pre", "block");
        pre.append(el("code", "", node.v));
        return pre;
      }
      case "mention": return el("span", `mention ${node.kind}`, node.v);
      case "time": {
        const time = el("time", "stamp");
        time.dateTime = node.iso;
        const when = new Date(node.unix * 1000);
        time.textContent = node.style === "R"
          ? relative(node.unix)
          : new Intl.DateTimeFormat(undefined, TIME_STYLES[node.style]).format(when);
        time.title = when.toString();
        return time;
      }
      case "link": {
        if (!/^https?:\/\//i.test(node.href)) return document.createTextNode(node.v);
        const link = el("a", "", node.v);
        link.href = node.href;
        link.rel = "noopener noreferrer nofollow";
        link.target = "_blank";
        return link;
      }
      default: {
        const tag = TAGS[node.t];
        if (!tag) return document.createTextNode("");
        const wrapper = el(tag);
        wrapper.append(...(node.c || []).map(markupNode));
        return wrapper;
      }
    }
  }

  function markup(nodes, tag, className) {
    const holder = el(tag || "div", className || "");
    holder.append(...nodes.map(markupNode));
    return holder;
  }

  // -- channels and messages -----------------------------------------------------------------

  function drawChannels(channels) {
    const items = channels.map((c) => {
      const item = el("li", `kind-${c.kind} depth-${c.depth}`);
      const link = el("a", "", c.name);
      link.href = `/?${new URLSearchParams({ as: user, channel: c.id })}`;
      link.dataset.channel = c.id;
      if (c.id === channel) link.setAttribute("aria-current", "page");
      item.append(link);
      return item;
    });
    channelList.replaceChildren(...items);
  }

  function drawMessages(messages) {
    const atBottom =
      justOpened || messagesList.scrollHeight - messagesList.scrollTop - messagesList.clientHeight < 40;
    justOpened = false;
    const items = messages.map(drawMessage);
    if (!items.length) items.push(el("li", "empty", "No messages here yet."));
    messagesList.replaceChildren(...items);
    if (atBottom) messagesList.scrollTop = messagesList.scrollHeight;
  }

  function drawMessage(message) {
    const item = el("li", message.ephemeral ? "message ephemeral" : "message");
    item.dataset.message = message.id;
    if (message.used) item.append(el("p", "used", message.used));
    const meta = el("p", "meta");
    meta.append(el("span", "author", message.author));
    if (message.bot) meta.append(" ", el("span", "tag", "APP"));
    const time = el("time", "sent", new Date(message.time).toLocaleTimeString(undefined, { timeStyle: "short" }));
    time.dateTime = message.time;
    meta.append(" ", time);
    if (message.edited) meta.append(" ", el("span", "edited", "(edited)"));
    item.append(meta);
    if (message.loading) item.append(el("p", "loading", "Nexus is thinking…"));
    if (message.content.length) item.append(markup(message.content, "div", "content"));
    for (const embed of message.embeds) item.append(drawEmbed(embed));
    for (const file of message.attachments) item.append(drawAttachment(file));
    for (const row of message.rows) item.append(drawRow(message, row));
    if (message.reactions.length) {
      const reactions = el("p", "reactions");
      for (const r of message.reactions) reactions.append(el("span", "reaction", `${r.emoji} ${r.count}`));
      item.append(reactions);
    }
    if (message.ephemeral) item.append(el("p", "only-you", "Only you can see this"));
    if (messageMenus.length && !message.ephemeral) item.append(drawApps(message));
    return item;
  }

  // Discord's "Apps" menu of a message: the bot's message commands.
  function drawApps(message) {
    const apps = el("details", "apps");
    apps.append(el("summary", "", "Apps"));
    for (const name of messageMenus) {
      const run = el("button", "button secondary", name);
      run.type = "button";
      run.addEventListener("click", () => {
        apps.open = false;
        act("/api/menu", { message: message.id, name });
      });
      apps.append(run);
    }
    return apps;
  }

  function drawEmbed(embed) {
    const box = el("article", "embed");
    // A colour bar, set through the CSSOM (the page allows no style attributes).
    if (embed.colour && /^#[0-9a-f]{6}$/.test(embed.colour)) box.style.borderLeftColor = embed.colour;
    if (embed.author) box.append(el("p", "embed-author", embed.author));
    if (embed.title.length) {
      const title = markup(embed.title, "h3", "embed-title");
      if (/^https?:\/\//i.test(embed.url)) {
        const link = el("a");
        link.href = embed.url;
        link.rel = "noopener noreferrer nofollow";
        link.target = "_blank";
        link.append(...title.childNodes);
        title.append(link);
      }
      box.append(title);
    }
    if (embed.description.length) box.append(markup(embed.description, "div", "embed-description"));
    if (embed.fields.length) {
      const fields = el("dl", "embed-fields");
      for (const field of embed.fields) {
        const group = el("div", field.inline ? "field inline" : "field");
        group.append(markup(field.name, "dt"), markup(field.value, "dd"));
        fields.append(group);
      }
      box.append(fields);
    }
    if (embed.footer) box.append(el("p", "embed-footer", embed.footer));
    return box;
  }

  function drawAttachment(file) {
    const line = el("p", "attachment");
    const link = el("a", "", `📎 ${file.filename}`);
    if (/^https?:\/\//i.test(file.url)) link.href = file.url;
    link.download = file.filename;
    line.append(link, el("span", "size", ` ${file.size} bytes`));
    return line;
  }

  function drawRow(message, row) {
    const box = el("div", "row");
    for (const component of row) {
      if (component.type === "button") box.append(drawButton(message, component));
      else if (component.type === "select") box.append(drawSelect(message, component));
      else if (component.type === "text") box.append(markup(component.content, "div", "text-display"));
    }
    return box;
  }

  function drawButton(message, button) {
    const label = [button.emoji, button.label].filter(Boolean).join(" ") || "…";
    if (button.url) {
      const link = el("a", "button link", `${label} ↗`);
      if (/^https?:\/\//i.test(button.url)) link.href = button.url;
      link.rel = "noopener noreferrer nofollow";
      link.target = "_blank";
      return link;
    }
    const control = el("button", `button ${button.style}`, label);
    control.type = "button";
    control.disabled = button.disabled;
    control.addEventListener("click", () => act("/api/click", { message: message.id, custom_id: button.custom_id }));
    return control;
  }

  function drawSelect(message, select) {
    const box = el("div", "select");
    const id = `select-${message.id}-${select.custom_id}`.replace(/[^\w-]/g, "_");
    const label = el("label", "", select.placeholder || (select.entity ? `Choose a ${select.entity}` : "Choose"));
    label.htmlFor = id;
    const picker = el("select");
    picker.id = id;
    picker.disabled = select.disabled;
    picker.multiple = select.max > 1;
    if (!picker.multiple) {
      const none = el("option", "", "—");
      none.value = "";
      picker.append(none);
    }
    for (const option of select.options) {
      const choice = el("option", "", option.description ? `${option.label} — ${option.description}` : option.label);
      choice.value = option.value;
      choice.selected = option.default;
      picker.append(choice);
    }
    const send = () => {
      const values = [...picker.selectedOptions].map((o) => o.value).filter(Boolean);
      if (values.length || select.min === 0) {
        act("/api/select", { message: message.id, custom_id: select.custom_id, values });
      }
    };
    box.append(label, picker);
    if (picker.multiple) {
      const done = el("button", "button secondary", "Choose");
      done.type = "button";
      done.disabled = select.disabled;
      done.addEventListener("click", send);
      box.append(done);
    } else {
      picker.addEventListener("change", send);
    }
    return box;
  }

  // -- modals --------------------------------------------------------------------------------

  function showModal(modal) {
    openModal = modal;
    document.getElementById("modal-title").textContent = modal.title;
    document.getElementById("modal-error").textContent = "";
    const fields = modal.fields.map((field, index) => {
      const group = el("div", "field");
      const id = `modal-field-${index}`;
      const label = el("label", "", field.label + (field.required ? " *" : ""));
      label.htmlFor = id;
      group.append(label);
      if (field.description) group.append(el("p", "hint", field.description));
      let control;
      if (field.options.length) {
        control = el("select");
        for (const option of field.options) {
          const choice = el("option", "", option.label);
          choice.value = option.value;
          control.append(choice);
        }
      } else {
        control = el(field.paragraph ? "textarea" : "input");
        if (!field.paragraph) control.type = "text";
        control.value = field.value;
        control.placeholder = field.placeholder;
        if (field.min_length) control.minLength = field.min_length;
        if (field.max_length) control.maxLength = field.max_length;
      }
      control.id = id;
      control.name = field.custom_id;
      control.required = field.required;
      group.append(control);
      return group;
    });
    document.getElementById("modal-fields").replaceChildren(...fields);
    dialog.showModal();
  }

  async function submitModal(event) {
    event.preventDefault();
    const values = {};
    for (const control of dialog.querySelectorAll("#modal-fields [name]")) {
      values[control.name] = control.tagName === "SELECT"
        ? [...control.selectedOptions].map((o) => o.value)
        : control.value;
    }
    const modal = openModal;
    dialog.close();
    const done = await act("/api/modal", { modal: modal.id, values });
    if (!done) {
      showModal(modal);
      document.getElementById("modal-error").textContent = status.textContent;
    }
  }

  // -- the command line and its suggestions --------------------------------------------------

  // The line split like the server's parser: words, `name:value` and quoted values.
  function tokens(line) {
    const out = [];
    let current = "";
    let quoted = false;
    for (const char of line) {
      if (char === '"') quoted = !quoted;
      if (char === " " && !quoted) {
        out.push(current);
        current = "";
      } else {
        current += char;
      }
    }
    out.push(current);
    return out;
  }

  function currentCommand(line) {
    let found = null;
    for (const command of commands) {
      if (line === command.path || line.startsWith(`${command.path} `)) {
        if (!found || command.path.length > found.path.length) found = command;
      }
    }
    return found;
  }

  function quote(value) {
    return /[\s"]/.test(value) ? `"${value.replace(/"/g, "")}"` : value;
  }

  async function suggest() {
    const line = input.value;
    const command = currentCommand(line);
    if (!command) {
      const typed = line.trim().toLowerCase();
      offered = commands
        .filter((c) => c.path.startsWith(typed.startsWith("/") ? typed : `/${typed}`))
        .map((c) => ({ label: c.path, hint: c.description, line: `${c.path} ` }));
      return showSuggestions();
    }
    const words = tokens(line);
    const last = words[words.length - 1];
    const head = words.slice(0, -1).join(" ");
    const colon = last.indexOf(":");
    if (colon < 0) {
      const filled = new Set(words.filter((w) => w.includes(":")).map((w) => w.split(":")[0]));
      offered = command.options
        .filter((o) => !filled.has(o.name) && o.name.startsWith(last))
        .map((o) => ({
          label: `${o.name}:`,
          hint: `${o.required ? "" : "optional · "}${o.kind}${o.description ? ` · ${o.description}` : ""}`,
          line: `${head} ${o.name}:`,
        }));
      return showSuggestions();
    }
    const name = last.slice(0, colon);
    const value = last.slice(colon + 1).replace(/"/g, "");
    const option = command.options.find((o) => o.name === name);
    if (!option) return hideSuggestions();
    const pick = (label, chosen) => ({ label, hint: "", line: `${head} ${name}:${quote(chosen)} ` });
    if (option.choices.length) {
      offered = option.choices.filter((c) => c.name.toLowerCase().includes(value.toLowerCase()))
        .map((c) => pick(c.name, c.value));
    } else if (pickers[option.kind]) {
      offered = pickers[option.kind].filter((p) => p.label.toLowerCase().includes(value.toLowerCase()))
        .map((p) => pick(p.label, p.label.slice(1)));
    } else if (option.autocomplete) {
      offered = await botChoices(command, words, name, value, pick);
      if (offered === null) return undefined;
    } else {
      return hideSuggestions();
    }
    return showSuggestions();
  }

  // The bot's own autocomplete, through the sandbox's autocomplete interaction.
  async function botChoices(command, words, name, value, pick) {
    const asked = ++autocompleteAsked;
    const options = {};
    for (const word of words.slice(1)) {
      const colon = word.indexOf(":");
      if (colon > 0) options[word.slice(0, colon)] = word.slice(colon + 1).replace(/"/g, "");
    }
    options[name] = value;
    try {
      const data = await post("/api/autocomplete", { path: command.path, option: name, options });
      if (asked !== autocompleteAsked) return null; // a newer keystroke asked again
      return data.choices.map((c) => pick(c.name, c.value));
    } catch (error) {
      say(error.message, true);
      return [];
    }
  }

  function showSuggestions() {
    offered = offered.slice(0, MAX_SUGGESTIONS);
    highlighted = -1;
    if (!offered.length) return hideSuggestions();
    const items = offered.map((s, index) => {
      const item = el("li", "suggestion");
      item.id = `suggestion-${index}`;
      item.setAttribute("role", "option");
      item.append(el("span", "label", s.label));
      if (s.hint) item.append(el("span", "hint", s.hint));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        accept(index);
      });
      return item;
    });
    suggestions.replaceChildren(...items);
    suggestions.hidden = false;
    input.setAttribute("aria-expanded", "true");
    return undefined;
  }

  function hideSuggestions() {
    offered = [];
    highlighted = -1;
    suggestions.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    highlighted = (index + offered.length) % offered.length;
    suggestions.querySelectorAll("[role=option]").forEach((item, i) => {
      item.setAttribute("aria-selected", String(i === highlighted));
    });
    input.setAttribute("aria-activedescendant", `suggestion-${highlighted}`);
  }

  function accept(index) {
    input.value = offered[index].line;
    input.focus();
    suggest();
  }

  function onKey(event) {
    if (suggestions.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(highlighted + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && highlighted >= 0) {
      event.preventDefault();
      accept(highlighted);
    } else if (event.key === "Escape") {
      hideSuggestions();
    }
  }

  async function send(event) {
    event.preventDefault();
    const line = input.value.trim();
    if (!line) return;
    hideSuggestions();
    // As in Discord, a line without a leading slash is a message in the channel.
    const sent = line.startsWith("/")
      ? await act("/api/invoke", { line })
      : await act("/api/say", { text: input.value });
    if (sent) input.value = "";
  }

  // -- wiring --------------------------------------------------------------------------------

  function go(toChannel) {
    channel = toChannel;
    lastState = "";
    justOpened = true;
    history.replaceState(null, "", `/?${new URLSearchParams({ as: user, channel })}`);
    document.querySelector(".acting input[name=channel]").value = channel;
    loadCommands();
    refresh();
  }

  channelList.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-channel]");
    if (!link) return;
    event.preventDefault();
    go(link.dataset.channel);
  });
  actingAs.addEventListener("change", () => {
    user = actingAs.value;
    go(channel);
  });
  input.addEventListener("input", suggest);
  input.addEventListener("focus", suggest);
  input.addEventListener("keydown", onKey);
  input.addEventListener("blur", () => setTimeout(hideSuggestions, 150));
  document.getElementById("composer").addEventListener("submit", send);
  document.getElementById("modal-form").addEventListener("submit", submitModal);
  document.getElementById("modal-cancel").addEventListener("click", () => dialog.close());

  loadCommands();
  refresh();
  setInterval(refresh, POLL_MS);
})();
