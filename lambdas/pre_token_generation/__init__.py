"""Pre token generation (V2_0) trigger: resource-server scopes and a `roles` claim from the user's groups."""
