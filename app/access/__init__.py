"""Access control: API keys, identity-provider tokens, scopes, the request guard and the audit log."""
