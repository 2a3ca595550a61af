// "Delete my account" (#/delete-account): the person types their e-mail address to confirm, the app calls
// DELETE /me with the ID token (which names the identity-pool identity), then ends the session without calling the
// API again and shows what happened. The API answers 204 when nothing of the account is left, or 202 when the
// erasure goes on in the background (docs/data.md "Deleting an account"; docs/openapi.json, delete_me).
import type { User } from "oidc-client-ts";

import { ApiError, type Api, type ErasureStarted } from "./api";
import type { Auth } from "./auth";
import { alertBox, h, show } from "./ui";

// What the final page shows after the redirect through the login domain's /logout; not token-like, read once.
const DELETED_KEY = "app.account-deleted";
type Deletion = { status: "erased" } | ErasureStarted;

export function deleteAccountView(api: Api, auth: Auth, user: User): void {
  const error = alertBox();
  const expected = String(user.profile.email ?? user.profile.sub); // as the header's "Signed in as"
  const confirmation = h("input", { type: "text", id: "delete-confirm", autocomplete: "off" }) as HTMLInputElement;
  const button = h("button", { type: "submit", class: "danger", disabled: true }, "Delete my account");
  confirmation.addEventListener("input", () => {
    button.toggleAttribute("disabled", confirmation.value.trim() !== expected);
  });
  const form = h(
    "form",
    { "aria-label": "Confirm the deletion" },
    h("label", { for: confirmation.id }, `Type ${expected} to confirm`),
    confirmation,
    button,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (confirmation.value.trim() !== expected) return;
    button.toggleAttribute("disabled", true);
    void (async () => {
      error.set("");
      let started: ErasureStarted | null;
      try {
        const current = await auth.currentUser(); // renewed first if it expired: the API checks the ID token too
        if (current === null || !current.id_token) throw new ApiError(401, "You are signed out. Sign in again.");
        started = await api.deleteMe(current.id_token);
      } catch (failure) {
        error.set(failure instanceof ApiError ? failure.message : String(failure));
        button.toggleAttribute("disabled", false);
        return;
      }
      const deletion: Deletion = started ?? { status: "erased" };
      sessionStorage.setItem(DELETED_KEY, JSON.stringify(deletion));
      try {
        // 202: the user exists until the erasure reaches it, so its refresh token is revoked now. 204: the user is
        // gone, and a refresh needs the user; no AWS page states it for AdminDeleteUser, so tests/e2e/test_web_e2e.py
        // checks that the refresh token fails after either answer. Revoking tokens leaves the managed login's session
        // cookie; only the browser's visit to /logout clears it ("GlobalSignOut", Amazon Cognito API Reference), so a
        // sign-in during the erasure cannot reuse it.
        await auth.signOut({ revoke: started !== null });
      } catch {
        accountDeletedView(takeDeletion() ?? deletion); // the tokens are forgotten; only the redirect failed
      }
    })();
  });
  show(
    h("h1", {}, "Delete my account"),
    h(
      "p",
      {},
      "This erases everything of your account for good: every file you stored (with its older versions), every " +
        "note, your identity-pool identity, and last the account itself. It cannot be undone.",
    ),
    h(
      "p",
      {},
      "Some copies cannot be erased at once and expire on their own, within weeks up to a year: the notes table's " +
        "point-in-time backups, and logs that name your user id and your files' names, never their contents.",
    ),
    error.element,
    form,
    h("p", {}, h("a", { href: "#/profile" }, "Keep my account")),
  );
}

/** After a deletion: the outcome it left, once (the next load is an ordinary signed-out start). */
export function takeDeletion(): Deletion | null {
  const stored = sessionStorage.getItem(DELETED_KEY);
  sessionStorage.removeItem(DELETED_KEY);
  try {
    return stored ? (JSON.parse(stored) as Deletion) : null;
  } catch {
    return null; // not ours: an ordinary start
  }
}

/** The final page: signed out, no API call. */
export function accountDeletedView(deletion: Deletion): void {
  show(
    h("h1", {}, "Account deleted"),
    deletion.status === "erased"
      ? h("p", {}, "Your account and everything in it are erased. You are signed out.")
      : h(
          "p",
          {},
          "Your files and notes are being erased, then your account; this finishes in the background within " +
            `minutes. You are signed out. Erasure id, if you need to ask about it: ${deletion.erasure_id}.`,
        ),
    h("p", {}, h("a", { href: "/" }, "Start page")),
  );
}
