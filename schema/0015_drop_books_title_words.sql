-- catalog: no-transaction
-- The words index on the unfolded title serves no query since title search folds with public.fold_name (0014).
drop index concurrently if exists bookstore.books_title_words_idx;
