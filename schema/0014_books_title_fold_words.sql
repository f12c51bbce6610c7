-- catalog: no-transaction
-- Whole-word title search, any case, folded by the one rule (public.fold_name, docs/case-folding.md):
-- the words of the folded title, built online; 0015 then drops the index on the unfolded title.
create index concurrently if not exists books_title_fold_words_idx on bookstore.books
using gin (to_tsvector('simple', public.fold_name(title)));
