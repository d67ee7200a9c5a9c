//! The PostgreSQL server the tests use: the shared test cluster (`siyu_tests::pg_cluster`),
//! a fresh database per test.

/// A URL for a new, empty database on the test cluster.
pub async fn fresh_database() -> String {
    tokio::task::spawn_blocking(|| siyu_tests::pg_cluster::fresh_database("siyu_test"))
        .await
        .unwrap()
}
