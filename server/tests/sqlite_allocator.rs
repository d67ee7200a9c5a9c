//! SQLite allocates through mimalloc once `use_mimalloc` has run, and still stores and reads
//! back what it is given. Its own test binary, so its own process: SQLite takes an allocator
//! only before its first use. Calling SQLite's C interface is what is tested, hence `unsafe`.

#![allow(unsafe_code)]

use rusqlite::ffi;
use siyu_server::store::sqlite_alloc::use_mimalloc;

#[test]
fn sqlite_allocates_through_mimalloc_and_still_works() {
    // SAFETY: the only test of this process; nothing uses SQLite concurrently.
    assert!(unsafe { use_mimalloc() }, "SQLite refused the allocator");

    // SAFETY: a block from SQLite's allocator, checked and given back.
    unsafe {
        let block = ffi::sqlite3_malloc(1_000);
        assert!(!block.is_null());
        assert!(
            libmimalloc_sys::mi_check_owned(block),
            "SQLite's block is not mimalloc's"
        );
        assert!(ffi::sqlite3_msize(block) >= 1_000);
        ffi::sqlite3_free(block);
    }
    // SAFETY: as above.
    assert!(
        !unsafe { use_mimalloc() },
        "SQLite is in use now and must refuse a new allocator"
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let conn = rusqlite::Connection::open(dir.path().join("alloc.db")).expect("opens");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    )
    .expect("creates");
    let tx = conn.unchecked_transaction().expect("begins");
    for n in 0..5_000_i64 {
        tx.execute(
            "INSERT INTO t (n, body) VALUES (?1, ?2)",
            rusqlite::params![n, "x".repeat(usize::try_from(n % 900).expect("small"))],
        )
        .expect("inserts");
    }
    tx.commit().expect("commits");
    let (rows, bytes): (i64, i64) = conn
        .query_row("SELECT count(*), sum(length(body)) FROM t", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("reads");
    assert_eq!(rows, 5_000);
    assert_eq!(bytes, (0..5_000_i64).map(|n| n % 900).sum::<i64>());
}
