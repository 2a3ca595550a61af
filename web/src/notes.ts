// The notes views: #/notes (a paged list and a form for a new note) and #/notes/<id> (one note: edit, delete).
// Every change names the version the person loaded; the API applies it only if the note is still at that version
// and answers 409 otherwise (docs/data.md "Notes through the API"), so a change made elsewhere (another tab, the
// CLI) is never overwritten: the editor says so, keeps the person's text, and offers to load the current version.
import { ApiError, type Api, type Note, type NoteSummary } from "./api";
import { alertBox, h, show, status, table } from "./ui";

// The API's limits (NoteRequest and NoteUpdate in docs/openapi.json, from lambdas/api/text.py), checked here so the
// person learns what is wrong before sending; the API checks again. tests/unit/test_web_notes.py keeps them equal.
// Lengths count characters (code points), as JSON Schema and the API do, not UTF-16 units.
const TITLE_MAX_CHARS = 200;
const BODY_MAX_CHARS = 10_000;
const TITLE_PATTERN =
  "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*[^\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff][^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$";
const BODY_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$";
const TITLE_RULE = new RegExp(TITLE_PATTERN, "u");
const BODY_RULE = new RegExp(BODY_PATTERN, "u");
export const NOTE_ROUTE = "#/notes/";

const characters = (text: string): number => [...text].length;
const count = (n: number): string => n.toLocaleString("en");

/** Why the API would refuse this title and body, in words; null when it would take them. */
export function noteProblem(title: string, body: string): string | null {
  if (characters(title) > TITLE_MAX_CHARS) {
    return `The title has ${count(characters(title))} characters: at most ${count(TITLE_MAX_CHARS)} fit.`;
  }
  if (!TITLE_RULE.test(title)) return "Give the note a title: one line, not only spaces, no control characters.";
  if (characters(body) > BODY_MAX_CHARS) {
    return `The text has ${count(characters(body))} characters: at most ${count(BODY_MAX_CHARS)} fit.`;
  }
  if (!BODY_RULE.test(body)) return "The text holds control characters; only line breaks and tabs are allowed.";
  return null;
}

interface NoteFields {
  title: HTMLInputElement;
  body: HTMLTextAreaElement;
  elements: HTMLElement[];
  fill(note: { title: string; body: string }): void;
}

/** Labelled title and text fields with a live character count against the API's limit. */
function noteFields(prefix: string): NoteFields {
  const title = h("input", { type: "text", id: `${prefix}-title`, autocomplete: "off" }) as HTMLInputElement;
  const described = { "aria-describedby": `${prefix}-count` };
  const body = h("textarea", { id: `${prefix}-body`, rows: "6", ...described }) as HTMLTextAreaElement;
  const counter = h("p", { id: `${prefix}-count`, class: "hint" });
  const update = (): void => {
    const used = characters(body.value);
    counter.textContent = `${count(used)} of ${count(BODY_MAX_CHARS)} characters`;
    counter.classList.toggle("error", used > BODY_MAX_CHARS);
  };
  body.addEventListener("input", update);
  update();
  return {
    title,
    body,
    elements: [h("label", { for: title.id }, "Title"), title, h("label", { for: body.id }, "Text"), body, counter],
    fill(note) {
      title.value = note.title;
      body.value = note.body;
      update();
    },
  };
}

const message = (failure: unknown): string => (failure instanceof ApiError ? failure.message : String(failure));

export async function notesView(api: Api): Promise<void> {
  const error = alertBox();
  const list = h("div", {});
  const more = h("div", {});
  const fields = noteFields("new-note");
  const load = async (nextToken?: string): Promise<void> => {
    try {
      const page = await api.notes(nextToken);
      if (!nextToken) list.replaceChildren(page.items.length ? notesTable(page.items) : h("p", {}, "No notes yet."));
      else if (page.items.length) list.append(notesTable(page.items));
      else status("No more notes.");
      more.replaceChildren(
        page.next_token
          ? h("button", { type: "button", onclick: () => void load(page.next_token ?? undefined) }, "Load more notes")
          : "",
      );
    } catch (failure) {
      error.set(message(failure));
    }
  };
  const form = h(
    "form",
    { "aria-labelledby": "new-note-heading" },
    h("h2", { id: "new-note-heading" }, "New note"),
    ...fields.elements,
    h("button", { type: "submit" }, "Create note"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      const problem = noteProblem(fields.title.value, fields.body.value);
      error.set(problem ?? "");
      if (problem) return;
      try {
        const note = await api.createNote(fields.title.value, fields.body.value);
        status(`Created “${note.title}”.`);
        location.hash = NOTE_ROUTE + note.id;
      } catch (failure) {
        error.set(message(failure));
      }
    })();
  });
  show(
    h("h1", {}, "Notes"),
    h("p", {}, "Your notes, in the records table under your user id. A change applies only to the version you opened."),
    error.element,
    form,
    list,
    more,
  );
  await load();
}

function notesTable(items: NoteSummary[]): HTMLElement {
  return table(
    "Your notes",
    ["Title", "Version", "Changed"],
    items.map((note) => [
      h("a", { href: NOTE_ROUTE + note.id }, note.title),
      String(note.version),
      new Date(note.updated_at).toLocaleString(),
    ]),
  );
}

export async function noteView(api: Api, id: string): Promise<void> {
  const error = alertBox();
  const fields = noteFields("note");
  const meta = h("p", { id: "note-meta" });
  const conflict = h("div", { class: "conflict", hidden: true });
  let loaded: Note | null = null;
  const showNote = (note: Note): void => {
    loaded = note;
    fields.fill(note);
    meta.textContent = `Version ${note.version}, changed ${new Date(note.updated_at).toLocaleString()}.`;
  };
  const reload = async (): Promise<void> => {
    const draft = `${fields.title.value}\n\n${fields.body.value}`;
    let current: Note;
    try {
      current = await api.note(id);
    } catch (failure) {
      error.set(message(failure));
      return;
    }
    showNote(current);
    const kept = h("textarea", { id: "note-draft", rows: "4", readonly: true }) as HTMLTextAreaElement;
    kept.value = draft;
    conflict.replaceChildren(
      h("p", {}, "This is the current version now. Your text is kept below: copy what you need, then save again."),
      h("label", { for: kept.id }, "Your unsaved text"),
      kept,
    );
    status(`Loaded version ${current.version} of the note.`);
  };
  // 409: the note is not at the version this page loaded any more; nothing was changed.
  const stale = (what: string): void => {
    conflict.replaceChildren(
      h(
        "p",
        { role: "alert" },
        `Not ${what}: this note was changed somewhere else (another tab or device) after you opened it. ` +
          "Nothing was overwritten.",
      ),
      h("button", { type: "button", onclick: () => void reload() }, "Reload the current version"),
    );
    conflict.hidden = false;
  };
  const attempt = async (what: string, action: (note: Note) => Promise<void>): Promise<void> => {
    if (loaded === null) return;
    error.set("");
    try {
      await action(loaded);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 409) stale(what);
      else error.set(message(failure));
    }
  };
  const form = h(
    "form",
    { "aria-label": "Edit the note" },
    ...fields.elements,
    h("button", { type: "submit" }, "Save"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void attempt("saved", async (note) => {
      const problem = noteProblem(fields.title.value, fields.body.value);
      if (problem) {
        error.set(problem);
        return;
      }
      const saved = await api.updateNote(id, fields.title.value, fields.body.value, note.version);
      showNote(saved);
      conflict.hidden = true;
      status(`Saved “${saved.title}” (version ${saved.version}).`);
    });
  });
  const remove = (): void =>
    void attempt("deleted", async (note) => {
      await api.deleteNote(id, note.version);
      status(`Deleted “${note.title}”.`);
      location.hash = "#/notes";
    });
  const deleteButton = h("button", { type: "button", class: "danger", onclick: remove }, "Delete note");
  const back = h("p", {}, h("a", { href: "#/notes" }, "All notes"));
  show(h("h1", {}, "Note"), back, meta, error.element, conflict, form, deleteButton);
  try {
    showNote(await api.note(id));
  } catch (failure) {
    error.set(message(failure));
    form.hidden = deleteButton.hidden = true;
  }
}
