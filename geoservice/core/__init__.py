"""Pure computation over in-memory data; imports nothing from io, web or Flask."""
