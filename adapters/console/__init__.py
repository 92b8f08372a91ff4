"""The terminal adapter: `learnbot chat` talks to the core as one member of a local team."""
