// The HTTP API (docs/api.md): the access token as a Bearer token, keys in the query string or body, and every
// failure turned into a sentence a person understands.

export interface Me {
  sub: string;
  username: string | null;
  email: string | null;
  groups: string[];
  scopes: string[];
}
export interface FileItem {
  key: string;
  size: number;
  last_modified: string;
  etag: string;
}
export interface Page<T> {
  items: T[];
  next_token: string | null;
}
export interface UploadTicket {
  url: string;
  fields: Record<string, string>;
  key: string;
  max_bytes: number;
  expires_in: number;
}
export interface NoteSummary {
  id: string;
  title: string;
  version: number;
  updated_at: string;
}
export interface Note extends NoteSummary {
  body: string;
  created_at: string;
}
/** DELETE /me's 202: the erasure goes on in the background (docs/data.md "Deleting an account"). */
export interface ErasureStarted {
  status: "in_progress";
  erasure_id: string;
}
export interface AdminUser {
  username: string;
  sub: string | null;
  email: string | null;
  status: string | null;
  enabled: boolean;
  created: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What to tell the person, by status (docs/api.md "Errors"); the API's own message where it explains the input. */
export function explain(status: number, apiMessage: string | undefined, what = "file"): string {
  switch (status) {
    case 401:
      return "Your session has expired or is not valid any more. Sign in again.";
    case 403:
      return "You are not allowed to do this. If you were just added to a group, renew your session.";
    case 404:
      return `That ${what} does not exist (any more).`;
    case 413:
      return "The request is too large.";
    case 429:
      return "Too many requests right now. Wait a moment and try again.";
    default:
      if (status >= 500) return "The service could not do this right now. Try again later.";
      return apiMessage ? `The request was refused: ${apiMessage}` : `The request was refused (HTTP ${status}).`;
  }
}

const NOTES_PAGE_SIZE = 20;

export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly accessToken: () => Promise<string>,
  ) {}

  me(): Promise<Me> {
    return this.call("GET", "/me");
  }

  files(nextToken?: string): Promise<Page<FileItem>> {
    return this.call("GET", "/files", { limit: "20", ...(nextToken ? { next_token: nextToken } : {}) });
  }

  uploadTicket(key: string, contentType: string): Promise<UploadTicket> {
    return this.call("POST", "/files/upload-url", undefined, { key, content_type: contentType });
  }

  async downloadUrl(key: string): Promise<string> {
    const answer = await this.call<{ url: string }>("GET", "/files/download-url", { key });
    return answer.url;
  }

  delete(key: string): Promise<void> {
    return this.call("DELETE", "/files", { key });
  }

  notes(nextToken?: string): Promise<Page<NoteSummary>> {
    const query = { limit: String(NOTES_PAGE_SIZE), ...(nextToken ? { next_token: nextToken } : {}) };
    return this.call("GET", "/notes", query);
  }

  note(id: string): Promise<Note> {
    return this.call("GET", `/notes/${encodeURIComponent(id)}`);
  }

  createNote(title: string, body: string): Promise<Note> {
    return this.call("POST", "/notes", undefined, { title, body });
  }

  /** Only if the note is still at `version` (the one the person loaded): else ApiError 409. */
  updateNote(id: string, title: string, body: string, version: number): Promise<Note> {
    return this.call("PUT", `/notes/${encodeURIComponent(id)}`, undefined, { title, body, version });
  }

  deleteNote(id: string, version: number): Promise<void> {
    return this.call("DELETE", `/notes/${encodeURIComponent(id)}`, { version: String(version) });
  }

  /** DELETE /me with the ID token, which names the identity-pool identity: null when nothing is left (204). */
  async deleteMe(idToken: string): Promise<ErasureStarted | null> {
    const answer = await this.call<ErasureStarted | undefined>("DELETE", "/me", undefined, undefined, {
      "X-Id-Token": idToken,
    });
    return answer ?? null;
  }

  async users(nextToken?: string): Promise<Page<AdminUser>> {
    const query = { limit: "20", ...(nextToken ? { next_token: nextToken } : {}) };
    const answer = await this.call<{ users: AdminUser[]; next_token: string | null }>("GET", "/admin/users", query);
    return { items: answer.users, next_token: answer.next_token };
  }

  private async call<T>(
    method: string,
    path: string,
    query?: Record<string, string>,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl.replace(/\/+$/, "") + path);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { ...extraHeaders, Authorization: `Bearer ${await this.accessToken()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch {
      throw new ApiError(0, "The API cannot be reached. Check your connection and try again.");
    }
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) {
      const what = path.startsWith("/notes") ? "note" : "file";
      throw new ApiError(response.status, explain(response.status, answer.message, what));
    }
    return answer as T;
  }
}

/** The presigned POST to S3 (every field first, the file last), with upload progress from XMLHttpRequest. */
export function postToS3(ticket: UploadTicket, file: Blob, onProgress: (fraction: number) => void): Promise<void> {
  if (file.size > ticket.max_bytes) {
    const limit = (ticket.max_bytes / 1024 / 1024).toFixed(1);
    return Promise.reject(new ApiError(413, `The file is larger than the ${limit} MiB this deployment accepts.`));
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append("file", file);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", ticket.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
        return;
      }
      const code = /<Code>([^<]+)<\/Code>/.exec(request.responseText)?.[1] ?? `HTTP ${request.status}`;
      const reason =
        code === "EntityTooLarge"
          ? "The file is larger than this deployment accepts."
          : code === "AccessDenied"
            ? "Storage refused the upload: the upload link expired or does not match the file's name or type."
            : `Storage refused the upload (${code}).`;
      reject(new ApiError(request.status, reason));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "The upload could not reach storage.")));
    request.send(form);
  });
}
