"""Erasure: a client asks to be forgotten, an admin carries it out, retention finishes it."""
