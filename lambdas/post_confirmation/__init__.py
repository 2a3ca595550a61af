"""Post confirmation trigger: put newly confirmed users into the default group."""
