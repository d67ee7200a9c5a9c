-- The single writer holds every member's operation ids in memory (`MemberLog`) before it
-- appends, so the unique index on (campaign, member, op_id) never refused anything; it cost
-- one more B-tree insert, and its pages in the log, for every operation. The primary key
-- (campaign, member, seq) still refuses a second row at the same position.
DROP INDEX IF EXISTS ops_by_id;
