-- What an erasure (DELETE /v1/me) keeps of a member: the member state `MemberState::erased`
-- makes (operation ids and redemptions per reward, nothing else), as JSON; a log replayed
-- after the erasure starts from it. NULL for a member never erased.
ALTER TABLE members ADD COLUMN erased TEXT;
