-- The single writer holds every member's operation ids in memory (`MemberLog`) before it
-- appends, so the unique index on (campaign, member, op_id) never refused anything; it cost
-- a write to a random page of the index for every operation (members' ids are random), a
-- third of the pages each group commit wrote to the log. The primary key
-- (campaign, member, seq) still refuses a second row at the same position.
DROP INDEX IF EXISTS ops_by_id;
