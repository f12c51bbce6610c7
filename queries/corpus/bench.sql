-- Values `scripts/bench` picks once per run from the benchmark database (app/corpus/bench.py).

-- name: bench_rarest_word()$
-- Returns the word found in the fewest paragraphs (the first in word order among ties).
select wc.word
from corpus.word_counts as wc
order by wc.paragraphs, wc.word
limit 1;

-- name: bench_words_at_rank(word_rank, word_count)
-- Returns `word_count` words by paragraph count, most frequent first, from rank `word_rank` (0-based).
select wc.word
from corpus.word_counts as wc
order by wc.paragraphs desc, wc.word asc
limit :word_count offset :word_rank;
