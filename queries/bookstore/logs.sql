-- The search log: one row per book search that filtered by author or category.

-- name: insert_search_logs(filters, result_counts, durations_ms, searched_ats)!
-- Records a batch of searches (parallel arrays: filters as JSON objects, books returned, duration, time).
-- The app's background writer sends every search queued since its last write in one statement.
insert into bookstore.search_logs (filters, result_count, duration_ms, searched_at)
select
    s.filters,
    s.result_count,
    s.duration_ms,
    s.searched_at
from unnest(
    :filters::jsonb[],
    :result_counts::integer[],
    :durations_ms::numeric[],
    :searched_ats::timestamptz[]
) as s (filters, result_count, duration_ms, searched_at);

-- name: search_logs_page(after_id, page_size)
-- Returns one page of the search log, most recent first.
select
    l.id,
    l.filters,
    l.result_count,
    l.duration_ms,
    l.searched_at
from bookstore.search_logs as l
where :after_id::bigint is null or l.id < :after_id
order by l.id desc
limit :page_size;
