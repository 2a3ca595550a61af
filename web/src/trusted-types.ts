// Trusted Types: the page's CSP requires them for DOM sinks that parse HTML (`require-trusted-types-for 'script'`)
// and lets the page create this one policy only (`trusted-types default`). The app itself writes text, never HTML.
// The one sink a library uses is DOMParser.parseFromString: the AWS SDK reads S3's XML answers with it, into a
// detached document that runs no script. Anything else is refused (and reported as a CSP violation).

interface DefaultPolicyFactory {
  createPolicy(name: "default", rules: { createHTML: (input: string, type: string, sink: string) => string | null }): unknown;
}

const factory = (window as unknown as { trustedTypes?: DefaultPolicyFactory }).trustedTypes;
factory?.createPolicy("default", {
  createHTML: (input, _type, sink) => (sink === "DOMParser parseFromString" ? input : null),
});
