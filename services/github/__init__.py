"""GitHub: the connection a user links, and what Espaze reads from their repositories."""
