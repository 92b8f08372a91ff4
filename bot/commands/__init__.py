"""The command grammar and the commands of the core features."""
