"""The bookstore domain: books, authors, categories and the search log."""
