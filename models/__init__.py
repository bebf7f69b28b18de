"""The domain: plain dataclasses and the rules that belong to them; imports only the standard library."""
