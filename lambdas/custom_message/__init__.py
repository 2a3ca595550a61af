"""Custom message trigger: branded email and SMS for codes, invitations and password resets."""
