// The runtime configuration: /config.json, written at deploy from the stack's outputs (stacks/web_client.py builds
// it for CloudFront and for `make local`), so one build serves every profile.

export interface AppConfig {
  /** AWS region of the user pool, identity pool and bucket. */
  region: string;
  userPoolId: string;
  /** The web app client (public, code + PKCE). */
  clientId: string;
  /** The `iss` of the user pool's tokens: https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  issuer: string;
  /** The managed login domain (https://<prefix>.auth.<region>.amazoncognito.com or the custom domain). */
  loginUrl: string;
  apiUrl: string;
  identityPoolId: string;
  bucket: string;
  /** Prefix of the API's scopes: <resourceServer>/files.read ... */
  resourceServer: string;
  /** The group whose members see the admin page (the API checks it again). */
  adminGroup: string;
  /** Only from `make local`: the endpoints that stand in for AWS's. */
  endpoints?: { cognitoIdentity?: string; s3?: string };
}

const REQUIRED = [
  "region",
  "userPoolId",
  "clientId",
  "issuer",
  "loginUrl",
  "apiUrl",
  "identityPoolId",
  "bucket",
  "resourceServer",
  "adminGroup",
] as const;

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`/config.json answered ${response.status}: this build has no configuration (docs/web.md)`);
  }
  const raw: unknown = await response.json();
  if (typeof raw !== "object" || raw === null) throw new Error("/config.json is not a JSON object");
  const values = raw as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof values[key] !== "string" || values[key] === "");
  if (missing.length > 0) throw new Error(`/config.json lacks ${missing.join(", ")}`);
  return raw as AppConfig;
}

/** A URL without its trailing slashes, so paths can be appended. */
export function base(url: string): string {
  return url.replace(/\/+$/, "");
}
