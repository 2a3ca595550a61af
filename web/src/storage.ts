// Files straight in S3 with identity-pool credentials (docs/storage-isolation.md): the ID token is exchanged for
// temporary AWS credentials (GetId, GetCredentialsForIdentity) whose role allows only private/<sub>/ of this user.
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";

import type { AppConfig } from "./config";

export interface S3Item {
  key: string; // relative to the user's prefix
  size: number;
}

export interface Probe {
  prefix: string;
  refused: boolean;
  detail: string;
}

export class UserStorage {
  readonly prefix: string;
  private readonly s3: S3Client;

  constructor(
    private readonly config: AppConfig,
    idToken: string,
    sub: string,
  ) {
    this.prefix = `private/${sub}/`;
    const credentials = fromCognitoIdentityPool({
      identityPoolId: config.identityPoolId,
      logins: { [`cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`]: idToken },
      clientConfig: { region: config.region, ...endpoint(config.endpoints?.cognitoIdentity) },
    });
    // The SDK's defaults stay on: CRC32 checksums on uploads, checksum validation on downloads (the bucket's CORS
    // rule allows their headers, stacks/constructs/data_bucket.py).
    this.s3 = new S3Client({
      region: config.region,
      credentials,
      ...endpoint(config.endpoints?.s3),
      forcePathStyle: Boolean(config.endpoints?.s3), // the local S3 endpoint is one host for every bucket
    });
  }

  async list(): Promise<S3Item[]> {
    const answer = await this.s3.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.prefix }));
    return (answer.Contents ?? []).map((item) => ({
      key: (item.Key ?? "").slice(this.prefix.length),
      size: item.Size ?? 0,
    }));
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + key, Body: body, ContentType: contentType }),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.prefix + key }));
    if (!answer.Body) throw new Error("S3 returned no body");
    return answer.Body.transformToByteArray();
  }

  /** List another user's prefix: the role's policy must refuse it (AccessDenied). Reports what happened. */
  async probeOtherUser(): Promise<Probe> {
    const prefix = `private/${crypto.randomUUID()}/`;
    try {
      await this.s3.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix }));
    } catch (error) {
      const code = error instanceof S3ServiceException ? error.name : String(error);
      return { prefix, refused: code === "AccessDenied", detail: code };
    }
    return { prefix, refused: false, detail: "listed" };
  }
}

function endpoint(url: string | undefined): { endpoint?: string } {
  return url ? { endpoint: url } : {};
}

/** A message a person understands for an S3 or credentials failure. */
export function explainS3(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "AccessDenied") return "S3 refused this: your credentials allow only your own folder.";
  if (name === "NotAuthorizedException") return "The identity pool refused your sign-in token. Sign in again.";
  if (name === "ExpiredToken" || name === "ExpiredTokenException") return "Your AWS credentials expired. Reload.";
  if (error instanceof TypeError && /fetch/i.test(error.message)) return "S3 cannot be reached (network or CORS).";
  return `S3 could not do this (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}).`;
}
