"""The corpus domain: paragraphs from a text source, whole-word search, word counts and definitions."""
