"""What the tests start and share: the GitHub emulator, a stalling proxy, and helpers per area."""
