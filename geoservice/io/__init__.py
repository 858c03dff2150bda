"""Readers and writers: the only layer that touches files or the network."""
