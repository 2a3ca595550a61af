// The app: sign in through the managed login, then its views: profile, notes, files through the API, files straight in
// S3, the admin page for members of the admin group, and account deletion. Hash routes: #/profile, #/notes (and
// #/notes/<id>), #/files, #/s3, #/admin, #/delete-account.
import "./trusted-types"; // first: before any library touches the DOM
import "./style.css";

import type { User } from "oidc-client-ts";

import { accountDeletedView, deleteAccountView, takeDeletion } from "./account";
import { Api, ApiError, postToS3, type FileItem } from "./api";
import { Auth, CALLBACK_PATH, claims, stringList } from "./auth";
import { loadConfig, type AppConfig } from "./config";
import { NOTE_ROUTE, noteView, notesView } from "./notes";
import { UserStorage, explainS3 } from "./storage";
import { alertBox, h, save, show, size, status, table } from "./ui";

interface Session {
  config: AppConfig;
  auth: Auth;
  api: Api;
  user: User | null;
  storage: UserStorage | null;
}

type View = (session: Session, user: User) => void | Promise<void>;

const ROUTES: Record<string, View> = {
  "#/profile": profileView,
  "#/notes": (session) => notesView(session.api),
  "#/files": filesView,
  "#/s3": storageView,
  "#/admin": adminView,
  "#/delete-account": (session, user) => deleteAccountView(session.api, session.auth, user),
};

/** The view of the address's hash: #/notes/<id> is one note; an unknown hash is the profile. */
function viewOf(hash: string): View {
  const noteId = hash.startsWith(NOTE_ROUTE) ? hash.slice(NOTE_ROUTE.length) : null;
  if (noteId !== null) return (session) => noteView(session.api, noteId);
  return ROUTES[hash] ?? profileView;
}

async function start(): Promise<void> {
  let config: AppConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    show(h("h1", {}, "This app is not configured"), h("p", { role: "alert" }, String(error)));
    return;
  }
  const auth = new Auth(config);
  const api = new Api(config.apiUrl, async () => {
    const user = await auth.currentUser(); // renewed first if it expired
    if (user === null) throw new ApiError(401, "You are signed out. Sign in again.");
    return user.access_token;
  });
  const session: Session = { config, auth, api, user: null, storage: null };
  const deletion = takeDeletion();
  if (deletion !== null) {
    accountDeletedView(deletion); // back from /logout after deleting the account: signed out, nothing to call
    return;
  }
  auth.manager.events.addUserLoaded((user) => {
    session.user = user; // a silent renewal: new tokens, perhaps new groups
    session.storage = null;
    renderChrome(session);
  });
  auth.manager.events.addSilentRenewError(() => status("The session could not be renewed. Sign in again."));

  if (location.pathname === CALLBACK_PATH) {
    try {
      await auth.completeSignIn();
    } catch (error) {
      history.replaceState(null, "", "/");
      signedOutView(session, `Sign-in did not complete: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    history.replaceState(null, "", "/#/profile");
  }
  session.user = await auth.currentUser();
  window.addEventListener("hashchange", () => route(session));
  route(session);
}

function isAdmin(session: Session): boolean {
  if (!session.user) return false;
  return stringList(claims(session.user.access_token)["roles"]).includes(session.config.adminGroup);
}

function renderChrome(session: Session): void {
  const nav = document.getElementById("nav") as HTMLElement;
  const account = document.getElementById("account") as HTMLElement;
  if (!session.user) {
    nav.hidden = true;
    nav.replaceChildren();
    account.replaceChildren();
    return;
  }
  const links: [string, string][] = [
    ["#/profile", "Profile"],
    ["#/notes", "Notes"],
    ["#/files", "Files"],
    ["#/s3", "S3"],
  ];
  if (isAdmin(session)) links.push(["#/admin", "Admin"]); // the API enforces it; this only hides the link
  const hash = location.hash.startsWith(NOTE_ROUTE) ? "#/notes" : location.hash;
  const current = links.some(([href]) => href === hash) ? hash : "#/profile";
  nav.replaceChildren(
    h(
      "ul",
      {},
      ...links.map(([href, label]) =>
        h("li", {}, h("a", { href, ...(href === current ? { "aria-current": "page" } : {}) }, label)),
      ),
    ),
  );
  nav.hidden = false;
  const email = String(session.user.profile.email ?? session.user.profile.sub);
  account.replaceChildren(
    h("span", {}, `Signed in as ${email}`),
    h("button", { type: "button", onclick: () => void session.auth.signOut() }, "Sign out"),
  );
}

function route(session: Session): void {
  renderChrome(session);
  const user = session.user;
  if (!user) {
    signedOutView(session);
    return;
  }
  void viewOf(location.hash)(session, user);
}

function signedOutView(session: Session, problem?: string): void {
  renderChrome(session);
  show(
    h("h1", {}, "Sign in"),
    problem ? h("p", { role: "alert", class: "error" }, problem) : null,
    h(
      "p",
      {},
      "Sign in through the user pool's login page. The app receives an authorization code and exchanges it, with " +
        "PKCE, for tokens that stay in this tab only.",
    ),
    h("button", { type: "button", onclick: () => void session.auth.signIn() }, "Sign in"),
  );
}

async function profileView(session: Session, user: User): Promise<void> {
  const error = alertBox();
  const idClaims = user.profile;
  const access = claims(user.access_token);
  const details = h("dl", {});
  const row = (term: string, value: string): void => {
    details.append(h("dt", {}, term), h("dd", {}, value || "—"));
  };
  const expires = new Date((user.expires_at ?? 0) * 1000);
  show(
    h("h1", {}, "Profile"),
    error.element,
    details,
    h("h2", {}, "Session"),
    h("p", {}, `Access token valid until ${expires.toLocaleTimeString()}. It is renewed with the refresh token.`),
    h(
      "button",
      {
        type: "button",
        onclick: async () => {
          try {
            await session.auth.renew(); // the userLoaded event updates the session
            status("Session renewed: new tokens from the refresh token.");
            route(session);
          } catch {
            error.set("The session could not be renewed. Sign in again.");
          }
        },
      },
      "Renew session",
    ),
    h("h2", {}, "Delete my account"),
    h("p", {}, "Erase your files, notes and account for good. You confirm on the next page."),
    h("p", {}, h("a", { href: "#/delete-account", class: "danger" }, "Delete my account…")),
  );
  row("Email (ID token)", String(idClaims.email ?? ""));
  row("Email verified", String(idClaims.email_verified ?? ""));
  row("Groups (ID token)", stringList(idClaims["cognito:groups"]).join(", "));
  row("Roles (access token)", stringList(access["roles"]).join(", "));
  row("Scopes (access token)", stringList(access["scope"]).join(" "));
  try {
    const me = await session.api.me();
    row("User id (sub, from /me)", me.sub);
    row("Username (from /me)", me.username ?? "");
    row("Groups (from /me)", me.groups.join(", "));
  } catch (failure) {
    error.set(failure instanceof ApiError ? failure.message : String(failure));
  }
}

function uploadForm(
  heading: string,
  button: string,
  upload: (file: File, key: string, progress: HTMLProgressElement) => Promise<void>,
): HTMLElement {
  const file = h("input", { type: "file", id: "upload-file", required: true }) as HTMLInputElement;
  const key = h("input", { type: "text", id: "upload-key", required: true, autocomplete: "off" }) as HTMLInputElement;
  const progress = h("progress", { max: "1", value: "0", "aria-label": "Upload progress" }) as HTMLProgressElement;
  file.addEventListener("change", () => {
    if (!key.value && file.files?.[0]) key.value = file.files[0].name;
  });
  const form = h(
    "form",
    { "aria-labelledby": "upload-heading" },
    h("h2", { id: "upload-heading" }, heading),
    h("label", { for: "upload-file" }, "File"),
    file,
    h("label", { for: "upload-key" }, "Name"),
    key,
    h("button", { type: "submit" }, button),
    progress,
  ) as HTMLFormElement;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (chosen) void upload(chosen, key.value.trim(), progress);
  });
  return form;
}

async function filesView(session: Session): Promise<void> {
  const error = alertBox();
  const list = h("div", {});
  const more = h("div", {});
  const load = async (nextToken?: string): Promise<void> => {
    try {
      const page = await session.api.files(nextToken);
      if (!nextToken) list.replaceChildren();
      list.append(fileTable(page.items));
      more.replaceChildren(
        page.next_token
          ? h("button", { type: "button", onclick: () => void load(page.next_token ?? undefined) }, "Load more")
          : "",
      );
    } catch (failure) {
      error.set(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  const fileTable = (items: FileItem[]): HTMLElement =>
    table(
      "Your files",
      ["Name", "Size", "Modified", "Actions"],
      items.map((item) => [
        item.key,
        size(item.size),
        new Date(item.last_modified).toLocaleString(),
        h(
          "span",
          { class: "actions" },
          h("button", { type: "button", "aria-label": `Download ${item.key}`, onclick: () => void download(item.key) }, "Download"),
          h("button", { type: "button", "aria-label": `Delete ${item.key}`, onclick: () => void remove(item.key) }, "Delete"),
        ),
      ]),
    );
  const download = async (key: string): Promise<void> => {
    try {
      const response = await fetch(await session.api.downloadUrl(key));
      if (!response.ok) throw new ApiError(response.status, `Storage answered HTTP ${response.status}.`);
      const bytes = await response.arrayBuffer();
      save(bytes, key);
      status(`Downloaded ${key} (${size(bytes.byteLength)}).`);
    } catch (failure) {
      error.set(failure instanceof ApiError ? failure.message : "The download failed (network or CORS).");
    }
  };
  const remove = async (key: string): Promise<void> => {
    try {
      await session.api.delete(key);
      status(`Deleted ${key}.`);
      await load();
    } catch (failure) {
      error.set(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  show(
    h("h1", {}, "Files through the API"),
    h("p", {}, "The API hands out presigned URLs for your folder; the browser moves the bytes to and from S3."),
    error.element,
    uploadForm("Upload a file", "Upload", async (file, key, progress) => {
      error.set("");
      try {
        const ticket = await session.api.uploadTicket(key, file.type || "application/octet-stream");
        await postToS3(ticket, file, (fraction) => (progress.value = fraction));
        status(`Uploaded ${ticket.key}.`);
        await load();
      } catch (failure) {
        error.set(failure instanceof ApiError ? failure.message : String(failure));
      }
    }),
    list,
    more,
  );
  await load();
}

async function storageView(session: Session, user: User): Promise<void> {
  const error = alertBox();
  const sub = String(user.profile.sub);
  session.storage ??= new UserStorage(session.config, user.id_token ?? "", sub);
  const storage = session.storage;
  const list = h("div", {});
  const probe = h("p", { id: "probe-result", "aria-live": "polite" });
  const load = async (): Promise<void> => {
    try {
      const items = await storage.list();
      list.replaceChildren(
        table(
          `Objects under ${storage.prefix}`,
          ["Name", "Size", "Actions"],
          items.map((item) => [
            item.key,
            size(item.size),
            h("button", { type: "button", "aria-label": `Download ${item.key} from S3`, onclick: () => void download(item.key) }, "Download"),
          ]),
        ),
      );
    } catch (failure) {
      error.set(explainS3(failure));
    }
  };
  const download = async (key: string): Promise<void> => {
    try {
      const bytes = new Uint8Array(await storage.get(key));
      save(bytes, key);
      status(`Downloaded ${key} from S3 (${size(bytes.byteLength)}).`);
    } catch (failure) {
      error.set(explainS3(failure));
    }
  };
  show(
    h("h1", {}, "Files directly in S3"),
    h(
      "p",
      {},
      "The identity pool exchanges your ID token for temporary AWS credentials. Their role allows only ",
      h("code", {}, storage.prefix),
      ", the same folder the API uses.",
    ),
    error.element,
    uploadForm("Upload straight to S3", "Upload to S3", async (file, key, progress) => {
      error.set("");
      try {
        await storage.put(key, new Uint8Array(await file.arrayBuffer()), file.type || "application/octet-stream");
        progress.value = 1;
        status(`Uploaded ${key} to S3.`);
        await load();
      } catch (failure) {
        error.set(explainS3(failure));
      }
    }),
    list,
    h("h2", {}, "Another user's folder"),
    h(
      "button",
      {
        type: "button",
        onclick: async () => {
          const result = await storage.probeOtherUser();
          probe.textContent = result.refused
            ? `Refused: S3 answered ${result.detail} for ${result.prefix}. Your role allows your own folder only.`
            : `Not refused: listing ${result.prefix} succeeded (${result.detail}). On AWS the role's policy refuses ` +
              "it; this S3 endpoint did not evaluate IAM policies (the local stack's does not).";
        },
      },
      "List another user's folder",
    ),
    probe,
  );
  await load();
}

async function adminView(session: Session): Promise<void> {
  const error = alertBox();
  const list = h("div", {});
  show(h("h1", {}, "Users"), h("p", {}, "Every user of the pool, from GET /admin/users."), error.element, list);
  try {
    const page = await session.api.users();
    list.replaceChildren(
      table(
        "Users of the pool",
        ["Email", "Status", "Enabled", "Created"],
        page.items.map((user) => [
          user.email ?? user.username,
          user.status ?? "",
          user.enabled ? "yes" : "no",
          user.created ? new Date(user.created).toLocaleString() : "",
        ]),
      ),
    );
  } catch (failure) {
    error.set(failure instanceof ApiError ? failure.message : String(failure));
  }
}

void start();
