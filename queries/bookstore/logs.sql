-- The search log: one row per book search that filtered by author or category.

-- name: insert_search_log(filters, result_count, duration_ms)!
-- Records one search: its filters (JSON), the number of books returned, and its duration.
insert into bookstore.search_logs (filters, result_count, duration_ms)
values (:filters::jsonb, :result_count, :duration_ms);

-- name: search_logs_page(after_id, page_size)
-- Returns one page of the search log, most recent first.
select
    l.id,
    l.filters::text as filters,
    l.result_count,
    l.duration_ms,
    l.searched_at
from bookstore.search_logs as l
where :after_id::bigint is null or l.id < :after_id
order by l.id desc
limit :page_size;
