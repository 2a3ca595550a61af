"""Pre sign-up trigger: email domain policy and linking of federated identities to native accounts."""
