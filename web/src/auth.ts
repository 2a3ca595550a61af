// Sign-in through the managed login (authorization code + PKCE), silent refresh and sign-out, with oidc-client-ts.
// Token storage: docs/decisions/0019-browser-token-storage.md.
import { UserManager, WebStorageStateStore, type User } from "oidc-client-ts";

import { base, type AppConfig } from "./config";

/**
 * The API scopes this app asks for (the web client allows them: stacks/constructs/app_clients.py). The pre token
 * generation trigger then keeps only those the user's groups grant and adds the groups' others (admin); without the
 * trigger (`tokens.customise_access_token: false`) the access token carries exactly these.
 */
const API_SCOPES = ["profile.read", "files.read", "files.write", "notes.read", "notes.write", "account.delete"];
export const CALLBACK_PATH = "/callback";

export class Auth {
  readonly manager: UserManager;

  constructor(private readonly config: AppConfig) {
    const login = base(config.loginUrl);
    this.manager = new UserManager({
      authority: config.issuer,
      // Cognito's OIDC endpoints live on the login domain ("User pool endpoints and managed login reference"). Giving
      // them here saves the discovery request, so the page talks only to the origins its CSP names.
      metadata: {
        issuer: config.issuer,
        authorization_endpoint: `${login}/oauth2/authorize`,
        token_endpoint: `${login}/oauth2/token`,
        revocation_endpoint: `${login}/oauth2/revoke`,
        userinfo_endpoint: `${login}/oauth2/userInfo`,
        end_session_endpoint: `${login}/logout`,
      },
      client_id: config.clientId,
      redirect_uri: `${location.origin}${CALLBACK_PATH}`,
      response_type: "code", // PKCE (S256) is on by default
      scope: ["openid", "email", "profile", ...API_SCOPES.map((s) => `${config.resourceServer}/${s}`)].join(" "),
      // The user (tokens) in sessionStorage, the library's default: this tab only, gone when it closes, never in
      // localStorage. The PKCE verifier and state of a sign-in in progress too (the default would be localStorage).
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
      stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
      automaticSilentRenew: true, // with a refresh token: the refresh_token grant, no iframe
      loadUserInfo: false, // the ID token and /me carry what the app shows
      monitorSession: false, // Cognito has no check_session_iframe
      revokeTokenTypes: ["refresh_token"], // Cognito's revocation endpoint takes refresh tokens
    });
  }

  /** The signed-in user; an expired session is renewed with the refresh token first (a returning user). */
  async currentUser(): Promise<User | null> {
    const user = await this.manager.getUser();
    if (user === null) return null;
    if (!user.expired) return user;
    if (!user.refresh_token) return null;
    try {
      return await this.manager.signinSilent();
    } catch {
      await this.manager.removeUser(); // refresh token expired or revoked: sign in again
      return null;
    }
  }

  signIn(): Promise<void> {
    return this.manager.signinRedirect();
  }

  /** Back from the login page with ?code=...&state=... (or ?error=...). */
  async completeSignIn(): Promise<User> {
    return this.manager.signinRedirectCallback();
  }

  /** New tokens now, with the refresh token (what automaticSilentRenew does before expiry). */
  async renew(): Promise<User> {
    const user = await this.manager.signinSilent();
    if (user === null) throw new Error("the session could not be renewed");
    return user;
  }

  /**
   * Revoke the refresh token, forget the tokens, then end the login domain's session through /logout. `revoke: false`
   * after the user was deleted: the refresh token went with the user.
   */
  async signOut({ revoke = true } = {}): Promise<void> {
    try {
      if (revoke) await this.manager.revokeTokens();
    } catch {
      // Already expired or revoked: nothing left to revoke. The local session still ends below.
    }
    await this.manager.removeUser();
    // Cognito's /logout takes client_id and logout_uri, one of the client's sign-out URLs ("The managed login
    // sign-out endpoint: /logout", Amazon Cognito Developer Guide), not OIDC's post_logout_redirect_uri.
    await this.manager.signoutRedirect({
      extraQueryParams: { client_id: this.config.clientId, logout_uri: `${location.origin}/` },
    });
  }
}

/** The claims of a JWT, decoded for display and for hiding buttons; the API verifies tokens itself. */
export function claims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string" && value !== "") return value.split(" ");
  return [];
}
