"""learnbot's platform-neutral core."""
