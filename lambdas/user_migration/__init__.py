"""User migration trigger: move a user from the old user pool into this one at their first sign-in."""
