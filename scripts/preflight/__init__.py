"""`make preflight ENV=<profile>`: read-only checks of the target account before `cdk deploy`.

Template checks cannot see the account: a missing Powertools layer parameter, an unverified SES identity,
a missing federation secret, a certificate in the wrong state, a taken login domain, a stale bootstrap,
resources left by an earlier destroy. Each of those fails a first deploy after 10-20 minutes of create and
roll back. Preflight finds them in seconds: one line per check (`ok`, `FAIL` with the fix, `skip` with the
reason), exit status 1 if anything failed. See docs/preflight.md.
"""
