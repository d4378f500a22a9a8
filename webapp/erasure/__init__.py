"""Erasure: a client asks to be forgotten, an admin carries it out, the retention job finishes it."""
